/** The client a benchmark suite runs one path on, or null (with a note saying why) when that path cannot run here. */
import { Client, type SchedulerMode } from '../src/index.js';

export async function pathClient(path: SchedulerMode, notes: string[]): Promise<Client | null> {
  // 'auto' takes a GPU when there is one (and decides per task whether to use it).
  return Client.create({ scheduler: path, gpu: path === 'gpu' ? 'require' : path === 'auto' ? 'auto' : 'off' }).catch((e: unknown) => {
    notes.push(`${path} path skipped: ${(e as Error).message}`);
    return null;
  });
}
