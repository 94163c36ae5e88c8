/**
 * Vitest global setup: gives every test process a file to record its GPU kernel runs in, and
 * at the end prints how many GPU kernel checks ran on which adapter. With CI=true a run in
 * which no GPU kernel check ran fails: the GPU path is tested on every CI run.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'dusk-gpu-log-'));
  const log = join(dir, 'runs.jsonl');
  process.env.DUSK_TEST_GPU_LOG = log;
  return () => {
    const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : [];
    rmSync(dir, { recursive: true, force: true });
    const byAdapter = new Map<string, number>();
    for (const line of lines) {
      const { adapter, checks } = JSON.parse(line) as { adapter: string; checks: number };
      byAdapter.set(adapter, (byAdapter.get(adapter) ?? 0) + checks);
    }
    const total = [...byAdapter.values()].reduce((a, b) => a + b, 0);
    if (total === 0) {
      console.log('\nGPU kernel checks: none ran');
      if (process.env.CI === 'true') throw new Error('CI=true: no GPU kernel check ran; the GPU path must be tested in CI');
      return;
    }
    for (const [adapter, checks] of byAdapter) console.log(`\nGPU kernel checks: ${checks} ran on ${adapter}`);
  };
}
