/** The client a benchmark suite runs one path on, or null (with a note saying why) when that path cannot run here. */
import { Client, type SchedulerMode } from '../src/index.js';

export async function pathClient(path: SchedulerMode, notes: string[]): Promise<Client | null> {
  return Client.create({ scheduler: path, gpu: path === 'gpu' ? 'require' : 'off' }).catch((e: unknown) => {
    notes.push(`${path} path skipped: ${(e as Error).message}`);
    return null;
  });
}
