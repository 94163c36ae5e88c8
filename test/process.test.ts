/**
 * Whole processes: a script that used the GPU and the CPU pool exits on its own (with or
 * without close()), `npx dusk info` reports the adapter and exits, and DUSK_GPU is honoured.
 * Each runs the compiled package in a child process with a timeout.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist/src/index.js');
const cli = join(root, 'dist/src/cli/main.js');

function runNode(args: string[], env: Record<string, string> = {}, timeout = 60_000) {
  const started = Date.now();
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout,
  });
  return { ...result, ms: Date.now() - started };
}

function script(body: string): string {
  // Inside the package (under node_modules/, which git ignores) so 'apache-arrow' resolves.
  mkdirSync(join(root, 'node_modules/.dusk-test'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules/.dusk-test/exit-'));
  const file = join(dir, 'script.mjs');
  writeFileSync(file, `import { Client } from ${JSON.stringify(entry)};\nimport * as arrow from 'apache-arrow';\n${body}\n`);
  return file;
}

const USE_BOTH = `
const client = await Client.create({ gpu: 'require', workers: 2 });
const v = arrow.makeVector(new Float64Array(300000).fill(0.5));
const g = await client.reduce(v, ['sum'], { device: 'gpu' });
const c = await client.reduce(v, ['sum'], { device: 'cpu' });
console.log('sums', g.values.sum, c.values.sum);
`;

describe('processes exit on their own', () => {
  it('after using the GPU and the CPU pool and closing the client', () => {
    const file = script(`${USE_BOTH}\nawait client.close();`);
    const r = runNode([file]);
    expect(r.error, r.stderr).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('sums 150000 150000');
  });

  it('after using the GPU and the CPU pool without closing the client', () => {
    const file = script(USE_BOTH);
    const r = runNode([file]);
    expect(r.error, `timed out or failed: ${r.stderr}`).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('sums 150000 150000');
  });
});

describe('npx dusk', () => {
  it('info prints the adapter and its limits, then exits', () => {
    const r = runNode([cli, 'info']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^GPU: \S/m);
    expect(r.stdout).toContain('backend:');
    expect(r.stdout).toContain('maxStorageBufferBindingSize');
    expect(r.stdout).toMatch(/CPU workers: \d+/);
  });

  it('info with DUSK_GPU=off says why there is no GPU', () => {
    const r = runNode([cli, 'info'], { DUSK_GPU: 'off' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('GPU: none');
    expect(r.stdout).toContain('DUSK_GPU=off');
  });

  it('DUSK_GPU=require without a reachable adapter fails with the reasons', () => {
    // EGL_PLATFORM=device has no display here, so neither backend can give an adapter.
    const r = runNode([cli, 'info'], { DUSK_GPU: 'require', EGL_PLATFORM: 'device' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("gpu: 'require' but no WebGPU adapter was found");
    expect(r.stderr).toContain('OpenGL ES (EGL device)');
  });

  it('a bad DUSK_GPU value is an error', () => {
    const r = runNode([cli, 'info'], { DUSK_GPU: 'maybe' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DUSK_GPU must be off, auto or require');
  });

  it('an unknown command prints usage and exits 2', () => {
    const r = runNode([cli, 'frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: dusk');
  });
});
