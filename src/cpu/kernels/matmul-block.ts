/**
 * `matmulBlock`, the CPU twin of the matmul kernel family (`gpu/kernels/matmul.ts`): one block
 * product C = A·B (+ C), row-major, on one thread. Float products go to the native SIMD kernels
 * (`native-matmul.ts`, the optional addon in native/) when they were built; the JavaScript loop
 * nest below is the fallback, int32's kernel, and the reference the native one is tested against. The array module splits a chunked product into
 * such tasks (one per output block and inner block) and spreads them over the workers.
 *
 * The loop nest is the GotoBLAS one, sized for V8: B is packed a KC × NC panel at a time into
 * NR-column strips, A a MC × KC panel at a time into MR-row strips, both zero-padded to whole
 * strips, so the 4 × 4 micro-kernel reads two sequential streams and keeps its sixteen sums in
 * locals (registers, or stack slots at worst) for KC steps before adding them into C. JavaScript
 * has no SIMD, so the micro-kernel is where the time goes; larger tiles (4 × 8, 6 × 4) and other
 * panel sizes measured the same on V8 within noise.
 *
 * Precision (JavaScript kernel): float inputs are packed as float64, so each KC-long partial dot product is summed
 * in float64 and rounded once into C; a float32 C is therefore rounded once per KC = 256 inner
 * steps. int32 wraps around modulo 2^32 like numpy's int32 matmul: products are `Math.imul` and
 * sums `| 0`, which is exact modular arithmetic in any order, so every split of the inner
 * dimension gives the same bits.
 */
import { DuskError, PlanError } from '../../errors.js';
import { nativeMatmul } from './native-matmul.js';

/** The element types `matmulBlock` takes: float32, float64, int32. */
export type MatmulArray = Float32Array | Float64Array | Int32Array;

/** Rows and columns of the micro-kernel's output tile. */
const MR = 4;
const NR = 4;
/** Inner steps per packed panel: a 4 × KC strip of A and of B stay in L1. */
const KC = 256;
/** Rows of A per packed panel (MC × KC float64 = 128 KiB, in L2). */
const MC = 64;
/** Columns of B per packed panel (KC × NC float64 = 1 MiB, in L2/L3). */
const NC = 512;

/** The packed panels: float64 for float inputs, int32 for int32. */
type Packed = Float64Array | Int32Array;

/** Adds the MR × NR product of a packed A strip and a packed B strip into C (h × w of it). */
type MicroKernel = (ap: Packed, ai: number, bp: Packed, bi: number, kc: number, c: MatmulArray, ci: number, ldc: number, h: number, w: number) => void;

/** The partial tile of an edge strip, copied out of the locals. */
const edgeFloat = new Float64Array(MR * NR);
const edgeInt = new Int32Array(MR * NR);

function addEdge(tile: Float64Array | Int32Array, c: MatmulArray, ci: number, ldc: number, h: number, w: number, int: boolean): void {
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const at = ci + i * ldc + j;
      c[at] = int ? (c[at]! + tile[i * NR + j]!) | 0 : c[at]! + tile[i * NR + j]!;
    }
  }
}

const microFloat: MicroKernel = (ap, ai, bp, bi, kc, c, ci, ldc, h, w) => {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++, ai += MR, bi += NR) {
    const a0 = ap[ai]!, a1 = ap[ai + 1]!, a2 = ap[ai + 2]!, a3 = ap[ai + 3]!;
    const b0 = bp[bi]!, b1 = bp[bi + 1]!, b2 = bp[bi + 2]!, b3 = bp[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (h === MR && w === NR) {
    c[ci] += c00; c[ci + 1] += c01; c[ci + 2] += c02; c[ci + 3] += c03; ci += ldc;
    c[ci] += c10; c[ci + 1] += c11; c[ci + 2] += c12; c[ci + 3] += c13; ci += ldc;
    c[ci] += c20; c[ci + 1] += c21; c[ci + 2] += c22; c[ci + 3] += c23; ci += ldc;
    c[ci] += c30; c[ci + 1] += c31; c[ci + 2] += c32; c[ci + 3] += c33;
    return;
  }
  edgeFloat.set([c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33]);
  addEdge(edgeFloat, c, ci, ldc, h, w, false);
};

const microInt: MicroKernel = (ap, ai, bp, bi, kc, c, ci, ldc, h, w) => {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++, ai += MR, bi += NR) {
    const a0 = ap[ai]!, a1 = ap[ai + 1]!, a2 = ap[ai + 2]!, a3 = ap[ai + 3]!;
    const b0 = bp[bi]!, b1 = bp[bi + 1]!, b2 = bp[bi + 2]!, b3 = bp[bi + 3]!;
    c00 = (c00 + Math.imul(a0, b0)) | 0; c01 = (c01 + Math.imul(a0, b1)) | 0;
    c02 = (c02 + Math.imul(a0, b2)) | 0; c03 = (c03 + Math.imul(a0, b3)) | 0;
    c10 = (c10 + Math.imul(a1, b0)) | 0; c11 = (c11 + Math.imul(a1, b1)) | 0;
    c12 = (c12 + Math.imul(a1, b2)) | 0; c13 = (c13 + Math.imul(a1, b3)) | 0;
    c20 = (c20 + Math.imul(a2, b0)) | 0; c21 = (c21 + Math.imul(a2, b1)) | 0;
    c22 = (c22 + Math.imul(a2, b2)) | 0; c23 = (c23 + Math.imul(a2, b3)) | 0;
    c30 = (c30 + Math.imul(a3, b0)) | 0; c31 = (c31 + Math.imul(a3, b1)) | 0;
    c32 = (c32 + Math.imul(a3, b2)) | 0; c33 = (c33 + Math.imul(a3, b3)) | 0;
  }
  if (h === MR && w === NR) {
    c[ci] = (c[ci]! + c00) | 0; c[ci + 1] = (c[ci + 1]! + c01) | 0; c[ci + 2] = (c[ci + 2]! + c02) | 0; c[ci + 3] = (c[ci + 3]! + c03) | 0; ci += ldc;
    c[ci] = (c[ci]! + c10) | 0; c[ci + 1] = (c[ci + 1]! + c11) | 0; c[ci + 2] = (c[ci + 2]! + c12) | 0; c[ci + 3] = (c[ci + 3]! + c13) | 0; ci += ldc;
    c[ci] = (c[ci]! + c20) | 0; c[ci + 1] = (c[ci + 1]! + c21) | 0; c[ci + 2] = (c[ci + 2]! + c22) | 0; c[ci + 3] = (c[ci + 3]! + c23) | 0; ci += ldc;
    c[ci] = (c[ci]! + c30) | 0; c[ci + 1] = (c[ci + 1]! + c31) | 0; c[ci + 2] = (c[ci + 2]! + c32) | 0; c[ci + 3] = (c[ci + 3]! + c33) | 0;
    return;
  }
  edgeInt.set([c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33]);
  addEdge(edgeInt, c, ci, ldc, h, w, true);
};

/** Packs B[pc, pc + kc) × [jc, jc + nc) into NR-wide strips, each kc rows of NR values, zero-padded. */
function packB(b: MatmulArray, n: number, pc: number, kc: number, jc: number, nc: number, bp: Packed): void {
  let o = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const w = Math.min(NR, nc - jr);
    for (let p = 0; p < kc; p++) {
      const row = (pc + p) * n + jc + jr;
      for (let j = 0; j < NR; j++) bp[o++] = j < w ? b[row + j]! : 0;
    }
  }
}

/** Packs A[ic, ic + mc) × [pc, pc + kc) into MR-tall strips, each kc columns of MR values, zero-padded. */
function packA(a: MatmulArray, k: number, ic: number, mc: number, pc: number, kc: number, ap: Packed): void {
  let o = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const h = Math.min(MR, mc - ir);
    for (let p = 0; p < kc; p++) {
      for (let i = 0; i < MR; i++) ap[o++] = i < h ? a[(ic + ir + i) * k + pc + p]! : 0;
    }
  }
}

/** C += A·B over packed panels, with `micro` adding each MR × NR tile. */
function blocked(a: MatmulArray, b: MatmulArray, m: number, k: number, n: number, c: MatmulArray, int: boolean): void {
  const kcMax = Math.min(KC, k);
  const make = (size: number): Packed => (int ? new Int32Array(size) : new Float64Array(size));
  const bp = make(kcMax * Math.ceil(Math.min(NC, n) / NR) * NR);
  const ap = make(kcMax * Math.ceil(Math.min(MC, m) / MR) * MR);
  const micro = int ? microInt : microFloat;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(b, n, pc, kc, jc, nc, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(a, k, ic, mc, pc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const bi = (jr / NR) * kc * NR;
          const w = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            micro(ap, (ir / MR) * kc * MR, bp, bi, kc, c, (ic + ir) * n + jc + jr, n, Math.min(MR, mc - ir), w);
          }
        }
      }
    }
  }
}

function dtypeName(x: MatmulArray): string {
  return x instanceof Float32Array ? 'float32' : x instanceof Float64Array ? 'float64' : 'int32';
}

function checkShapes(a: MatmulArray, b: MatmulArray, m: number, k: number, n: number, out: MatmulArray | undefined): void {
  for (const [name, v] of [['m', m], ['k', k], ['n', n]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new DuskError('SHAPE_MISMATCH', `matmul: ${name} must be a non-negative integer, not ${v}`);
  }
  for (const [name, x] of [['B', b], ['the accumulator', out]] as const) {
    if (x !== undefined && x.constructor !== a.constructor) {
      throw new PlanError('TYPE_MISMATCH', `matmul: ${name} is ${dtypeName(x)} but A is ${dtypeName(a)}; cast one of them first`);
    }
  }
  const sizes = [['A', a, m, k], ['B', b, k, n], ['the accumulator', out, m, n]] as const;
  for (const [name, x, rows, cols] of sizes) {
    if (x !== undefined && x.length !== rows * cols) {
      throw new DuskError('SHAPE_MISMATCH', `matmul: ${name} has ${x.length} elements, not ${rows} × ${cols} = ${rows * cols}`);
    }
  }
}

/**
 * C = A·B for row-major A (m × k) and B (k × n), added into `out` when it is given (which is
 * then returned), else into a new zeroed array: the block product the array module runs once per
 * output block and inner block, accumulating across the inner dimension. All three arrays share
 * one type: float32, float64, or int32 (wrapping modulo 2^32, as numpy does). Float products run
 * on the native SIMD kernels when the addon is built (`nativeMatmul`: float32 partial sums in
 * float32 FMA, rounded into C every 256 inner steps), else here (float32 partial sums in float64).
 * @example
 * const c = matmulBlock(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), 2, 2, 2);
 * // c: [19, 22, 43, 50]
 * matmulBlock(a2, b2, 2, 2, 2, c); // c += a2·b2
 */
export function matmulBlock(a: Float32Array, b: Float32Array, m: number, k: number, n: number, out?: Float32Array): Float32Array;
export function matmulBlock(a: Float64Array, b: Float64Array, m: number, k: number, n: number, out?: Float64Array): Float64Array;
export function matmulBlock(a: Int32Array, b: Int32Array, m: number, k: number, n: number, out?: Int32Array): Int32Array;
export function matmulBlock(a: MatmulArray, b: MatmulArray, m: number, k: number, n: number, out?: MatmulArray): MatmulArray;
export function matmulBlock(a: MatmulArray, b: MatmulArray, m: number, k: number, n: number, out?: MatmulArray): MatmulArray {
  checkShapes(a, b, m, k, n, out);
  const c = out ?? (a instanceof Float32Array ? new Float32Array(m * n) : a instanceof Float64Array ? new Float64Array(m * n) : new Int32Array(m * n));
  if (m === 0 || n === 0 || k === 0) return c;
  const native = nativeMatmul();
  if (native !== null && !(a instanceof Int32Array) && !(b instanceof Int32Array) && !(c instanceof Int32Array)) native(a, b, m, k, n, c);
  else blocked(a, b, m, k, n, c, a instanceof Int32Array);
  return c;
}
