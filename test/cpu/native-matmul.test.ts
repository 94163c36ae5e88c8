/**
 * The native matmul kernels (native/, loaded by nativeMatmul) against a float64 triple loop, each
 * kernel set this CPU runs (AVX-512 and AVX2 here) and the JavaScript kernel on the same inputs:
 * float32 within a relative Frobenius error of 1e-5, float64 within 1e-12, on shapes that cross
 * the register tiles (6 and 12 rows, 16 and 32 columns) and the packed panels (96 rows, 256
 * inner steps), zero-length dimensions, accumulation, NaN and ±Infinity, SharedArrayBuffer views
 * at an offset, and worker threads loading the addon at once. In CI (CI=true) the addon must be
 * built and load; elsewhere the native cases run for whatever kernel sets loaded (none without a
 * build), and the JavaScript path is checked either way.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { expectMatmulClose, matmulReference } from '../util/matmul-reference.js';
import { matmulBlock } from '../../src/cpu/kernels/matmul-block.js';
import { nativeMatmul, nativeStatus, type NativeFloatArray, type NativeIsa } from '../../src/cpu/kernels/native-matmul.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const status = nativeStatus();
const isas: NativeIsa[] = status.loaded ? status.isas : [];

type Product = (a: NativeFloatArray, b: NativeFloatArray, m: number, k: number, n: number, out: NativeFloatArray) => void;

/** Every implementation under test: each native kernel set, then the JavaScript kernel. */
const paths: [string, () => Product][] = [
  ...isas.map((isa): [string, () => Product] => [
    `native ${isa}`,
    () => {
      const gemm = nativeMatmul(isa);
      if (gemm === null) throw new Error(`nativeMatmul('${isa}') is null though nativeStatus lists it`);
      return gemm;
    },
  ]),
  [
    'JavaScript (DUSK_NATIVE=off)',
    () => (a, b, m, k, n, out) => {
      process.env.DUSK_NATIVE = 'off';
      try {
        matmulBlock(a, b, m, k, n, out);
      } finally {
        delete process.env.DUSK_NATIVE;
      }
    },
  ],
];

afterEach(() => {
  delete process.env.DUSK_NATIVE;
});

function floats(make: new (n: number) => NativeFloatArray, length: number, random: Random): NativeFloatArray {
  const out = new make(length);
  for (let i = 0; i < length; i++) out[i] = random.next() * 2 - 1;
  return out;
}

const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 300, 1], [300, 1, 300], [3, 5, 7], [17, 33, 65], [6, 16, 16], [12, 8, 32],
  [127, 129, 131], [128, 128, 128], [129, 257, 33],
  // past the panels: 96 rows, 256 inner steps, and several register strips
  [200, 300, 530],
];

describe('the native addon', () => {
  it('is built and loads in CI, and nativeMatmul agrees with nativeStatus', () => {
    if (process.env.CI === 'true') expect(status, 'CI builds native/ (npm install runs native/build.mjs)').toMatchObject({ loaded: true });
    expect(nativeMatmul() === null).toBe(!status.loaded);
    if (status.loaded) expect(status.isas.length).toBeGreaterThan(0);
    process.env.DUSK_NATIVE = 'off';
    expect(nativeMatmul()).toBeNull();
    expect(nativeStatus()).toEqual({ loaded: false, reason: 'DUSK_NATIVE=off' });
  });

  it.runIf(status.loaded)(`matmulBlock routes float products to the best native kernel (seed ${seed})`, () => {
    const random = new Random(seed + 1);
    const [m, k, n] = [37, 300, 45];
    for (const make of [Float32Array, Float64Array]) {
      const a = floats(make, m * k, random);
      const b = floats(make, k * n, random);
      const want = new make(m * n);
      nativeMatmul()!(a, b, m, k, n, want);
      expect(matmulBlock(a, b, m, k, n)).toEqual(want);
    }
  });
});

for (const [name, product] of paths) {
  describe(name, () => {
    for (const [m, k, n] of shapes) {
      it(`${m}×${k}×${n}, C = A·B and C += A·B (seed ${seed})`, () => {
        const run = product();
        const random = new Random(seed + m * 7 + k * 131 + n * 1031);
        for (const [make, tol] of [[Float32Array, 1e-5], [Float64Array, 1e-12]] as const) {
          const a = floats(make, m * k, random);
          const b = floats(make, k * n, random);
          const c = new make(m * n);
          run(a, b, m, k, n, c);
          expectMatmulClose(c, matmulReference(a, b, m, k, n, new make(m * n)), tol, `${make.name} product`);
          const acc = floats(make, m * n, random);
          const want = matmulReference(a, b, m, k, n, acc);
          run(a, b, m, k, n, acc);
          expectMatmulClose(acc, want, tol, `${make.name} accumulate`);
        }
      });
    }

    it('a zero-length dimension leaves C as it was', () => {
      const run = product();
      const random = new Random(seed + 2);
      for (const [m, k, n] of [[0, 5, 7], [5, 0, 7], [5, 7, 0], [0, 0, 0]] as const) {
        const acc = floats(Float32Array, m * n, random);
        const kept = acc.slice();
        run(floats(Float32Array, m * k, random), floats(Float32Array, k * n, random), m, k, n, acc);
        expect(acc, `${m}×${k}×${n}`).toEqual(kept);
      }
    });

    it(`NaN and ±Infinity reach exactly their row and column, -0 stays harmless (seed ${seed})`, () => {
      const run = product();
      const random = new Random(seed + 5);
      const [m, k, n] = [40, 70, 33];
      const a = floats(Float32Array, m * k, random);
      const b = floats(Float32Array, k * n, random);
      a[3 * k + 5] = Number.NaN;
      a[20 * k + 9] = Number.POSITIVE_INFINITY;
      b[4 * n + 30] = Number.NEGATIVE_INFINITY;
      b[69 * n] = -0;
      const want = matmulReference(a, b, m, k, n, new Float32Array(m * n));
      expect(want.filter((v) => Number.isNaN(v)).length).toBeGreaterThanOrEqual(n);
      const c = new Float32Array(m * n);
      run(a, b, m, k, n, c);
      expectMatmulClose(c, want, 1e-5, 'specials');
    });

    it(`SharedArrayBuffer views at an offset, as the array module passes them (seed ${seed})`, () => {
      const run = product();
      const random = new Random(seed + 6);
      const [m, k, n] = [19, 41, 23];
      const view = (length: number): Float32Array => {
        const v = new Float32Array(new SharedArrayBuffer((length + 3) * 4), 12, length);
        v.set(floats(Float32Array, length, random));
        return v;
      };
      const [a, b, c] = [view(m * k), view(k * n), view(m * n)];
      const want = matmulReference(a, b, m, k, n, c);
      run(a, b, m, k, n, c);
      expectMatmulClose(c, want, 1e-5, 'shared views');
    });
  });
}

describe.runIf(status.loaded)('the addon in worker threads', () => {
  it(`loads in two workers at once and computes there what it computes here (seed ${seed})`, async () => {
    const addon = fileURLToPath(new URL('../../native/build/dusk_native.node', import.meta.url));
    const random = new Random(seed + 7);
    const [m, k, n] = [65, 130, 97];
    const share = (length: number): Float32Array => {
      const v = new Float32Array(new SharedArrayBuffer(length * 4));
      v.set(floats(Float32Array, length, random));
      return v;
    };
    const [a, b] = [share(m * k), share(k * n)];
    const here = new Float32Array(m * n);
    nativeMatmul()!(a, b, m, k, n, here);
    const source = `
      const { parentPort, workerData: w } = require('node:worker_threads');
      const addon = require(w.addon);
      const c = new Float32Array(w.m * w.n);
      for (let r = 0; r < 20; r++) { c.fill(0); addon.gemm(w.a, w.b, w.m, w.k, w.n, c, addon.isas[0]); }
      parentPort.postMessage(c);`;
    const runWorker = (): Promise<Float32Array> =>
      new Promise((resolve, reject) => {
        const worker = new Worker(source, { eval: true, workerData: { addon, a, b, m, k, n } });
        worker.once('message', (c: Float32Array) => void worker.terminate().then(() => resolve(c)));
        worker.once('error', reject);
      });
    const results = await Promise.all([runWorker(), runWorker()]);
    for (const c of results) expect(c).toEqual(here);
  });
});
