/**
 * A test file's GPU: one device per test process, made in beforeAll and destroyed in afterAll.
 * A missing adapter fails the file (never skips it), and every GPU kernel check is counted for
 * the summary printed at the end of the run.
 */
import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { Client, type ClientOptions } from '../../src/index.js';

export interface TestClient {
  /** The client; valid inside tests (after beforeAll). */
  readonly client: Client;
  /** Counts one kernel comparison that ran on the GPU. */
  countGpuCheck(): void;
}

export function useClient(options: ClientOptions = {}): TestClient {
  let client: Client | null = null;
  let checks = 0;
  beforeAll(async () => {
    client = await Client.create({ gpu: 'require', workers: 2, ...options });
  });
  afterAll(async () => {
    const log = process.env.DUSK_TEST_GPU_LOG;
    const report = client?.info().gpu;
    if (log !== undefined && report !== undefined && report !== null && checks > 0) {
      const adapter = `${report.name} (${report.backendName}, ${report.featureLevel})`;
      appendFileSync(log, `${JSON.stringify({ adapter, checks })}\n`);
    }
    await client?.close();
  });
  return {
    get client(): Client {
      if (client === null) throw new Error('useClient: the client exists only inside tests');
      return client;
    },
    countGpuCheck(): void {
      checks++;
    },
  };
}
