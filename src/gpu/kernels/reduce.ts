import type { NumericDType } from '../../dtype.js';
import {
  addDD,
  emptyPartial,
  mergePartials,
  NO_SQUARES,
  spreadAround,
  type Centre,
  type ReducePartial,
  type SquaresPartial,
} from '../../reduce/reduce-partial.js';
import type { PooledBuffer } from '../buffer-pool.js';
import type { GpuContext } from '../gpu-context.js';
import type { GpuColumn } from '../upload.js';

/** The shader's KIND for each dtype: narrow integers run as their widened 32-bit kind. */
const KIND: Readonly<Record<NumericDType, number>> = {
  float32: 0, float64: 1,
  int8: 2, int16: 2, int32: 2,
  uint8: 3, uint16: 3, uint32: 3,
  int64: 4, uint64: 5,
};

const PARTIAL_WORDS = 16;
const PARAM_BYTES = 64;
/** Workgroups per window: enough to fill a large GPU, each thread still doing several rows. */
const MAX_GROUPS = 2048;
const ROWS_PER_THREAD = 8;

/** The GPU twin's answer: a partial, or why this slice must be computed on the CPU. */
export type GpuReduceResult = { partial: ReducePartial } | { unsupported: string };

/** The second pass's centre as the shader takes it. */
interface ShaderCentre {
  c: [number, number, number];
  k: [number, number, number];
  scale: number;
}

/**
 * The GPU twin of `cpu/kernels/reduce`: the `reduce` family's first pass over every window of
 * a resident column in one submission, one 64-byte partial read back per workgroup.
 */
export async function reduce(gpu: GpuContext, column: GpuColumn): Promise<GpuReduceResult> {
  if (column.rows === 0) return { partial: emptyPartial(column.dtype) };
  const first = await runPass(gpu, column, 'reduce_main', null);
  const oor = first.reduce((n, w) => n + w[4]!, 0);
  if (oor > 0) {
    return {
      unsupported:
        `${oor} value(s) of this ${column.dtype} column lie outside the range the GPU's ` +
        'double-float arithmetic carries exactly ([2^-60, 2^90] in magnitude)',
    };
  }
  let partial = emptyPartial(column.dtype);
  for (const words of first) partial = mergePartials(partial, decodePartial(column.dtype, words));
  return { partial };
}

/**
 * The GPU twin of `cpu/kernels/reduce`'s `squares`: Σd and Σd² of d = x - centre over a
 * resident column. `total` is the whole column's first-pass partial: its extremes give the
 * power of two that scales every d to at most 1, keeping the squares well inside f32's range.
 */
export async function squares(gpu: GpuContext, column: GpuColumn, total: ReducePartial, centre: Centre): Promise<SquaresPartial> {
  if (column.rows === 0) return NO_SQUARES;
  const scale = 2 ** -Math.ceil(Math.log2(spreadAround(total, centre)));
  const shader: ShaderCentre = { c: [0, 0, 0], k: [0, 0, 0], scale };
  if (centre.kind === 'int') {
    const c0 = Math.fround(centre.frac);
    shader.c = [c0, Math.fround(centre.frac - c0), 0];
    shader.k = [0n, 32n, 64n].map((shift) => Number(BigInt.asUintN(32, centre.k >> shift))) as ShaderCentre['k'];
  } else {
    const a = Math.fround(centre.c);
    const b = Math.fround(centre.c - a);
    shader.c = [a, b, Math.fround(centre.c - a - b)];
  }
  let s1 = 0;
  let s1Lo = 0;
  let s2 = 0;
  let s2Lo = 0;
  for (const words of await runPass(gpu, column, 'm2_main', shader)) {
    [s2, s2Lo] = addDD(s2, s2Lo, f32Bits(words[5]!) + f32Bits(words[6]!), 0);
    [s1, s1Lo] = addDD(s1, s1Lo, f32Bits(words[12]!) + f32Bits(words[13]!), 0);
  }
  // Undo the scaling: exact, it is a power of two.
  return { s1: s1 / scale, s1Lo: s1Lo / scale, s2: s2 / (scale * scale), s2Lo: s2Lo / (scale * scale) };
}

/** Runs one entry point over every window in one submit; returns each workgroup's words. */
async function runPass(gpu: GpuContext, column: GpuColumn, entry: string, centre: ShaderCentre | null): Promise<Uint32Array[]> {
  const wg = gpu.workgroupSize;
  const pipeline = await gpu.pipeline('reduce', entry, { WORKGROUP_SIZE: wg, KIND: KIND[column.dtype] });
  const groups = column.windows.map((w) =>
    Math.max(1, Math.min(MAX_GROUPS, Math.ceil(w.rows / (wg * ROWS_PER_THREAD)))),
  );
  const slots = groups.reduce((a, b) => a + b, 0);
  const outBytes = slots * PARTIAL_WORDS * 4;
  const storage = GPUBufferUsage.STORAGE;
  const out = gpu.pool.acquire(outBytes, storage | GPUBufferUsage.COPY_SRC, 'reduce partials');
  const loans: PooledBuffer[] = [out];
  try {
    const noValidity = gpu.pool.acquire(16, storage | GPUBufferUsage.COPY_DST, 'no validity');
    loans.push(noValidity);
    let slot = 0;
    const uniforms = column.windows.map((w, i) => {
      const params = new ArrayBuffer(PARAM_BYTES);
      const u = new Uint32Array(params);
      const f = new Float32Array(params);
      u[0] = w.rows;
      u[1] = w.bitOffset;
      u[2] = w.validity === null ? 0 : 1;
      u[3] = slot;
      if (centre !== null) {
        f[4] = centre.c[0];
        f[5] = centre.c[1];
        f[6] = centre.c[2];
        f[7] = centre.scale;
        u[8] = centre.k[0];
        u[9] = centre.k[1];
      }
      u[10] = groups[i]!;
      u[11] = 0; // `zero`: see the shader
      if (centre !== null) u[12] = centre.k[2];
      slot += groups[i]!;
      const loan = gpu.uniform(params);
      loans.push(loan);
      return loan;
    });
    await gpu.submit(`reduce ${entry}`, (encoder) => {
      const passEncoder = encoder.beginComputePass({ label: `reduce ${entry}` });
      passEncoder.setPipeline(pipeline);
      column.windows.forEach((w, i) => {
        const validity = w.validity ?? noValidity;
        const bindGroup = gpu.device.createBindGroup({
          layout: pipeline.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: w.values.buffer, offset: 0, size: w.valueBytes } },
            { binding: 1, resource: { buffer: validity.buffer, offset: 0, size: Math.max(w.validityBytes, 16) } },
            { binding: 2, resource: { buffer: out.buffer, offset: 0, size: outBytes } },
            { binding: 3, resource: { buffer: uniforms[i]!.buffer, offset: 0, size: PARAM_BYTES } },
          ],
        });
        passEncoder.setBindGroup(0, bindGroup);
        passEncoder.dispatchWorkgroups(groups[i]!);
      });
      passEncoder.end();
    });
    const words = new Uint32Array(await gpu.read(out.buffer, 0, outBytes));
    const result: Uint32Array[] = [];
    for (let s = 0; s < slots; s++) result.push(words.subarray(s * PARTIAL_WORDS, (s + 1) * PARTIAL_WORDS));
    return result;
  } finally {
    for (const loan of loans) gpu.pool.release(loan);
  }
}

const scratch = new DataView(new ArrayBuffer(8));

function f32Bits(bits: number): number {
  scratch.setUint32(0, bits, true);
  return scratch.getFloat32(0, true);
}

/** The value of an order-preserving key (lo, hi), as the shader's `key_of` made it. */
function keyValue(dtype: NumericDType, k0: number, k1: number): number | bigint {
  switch (KIND[dtype]) {
    case 0:
      return f32Bits((k1 & 0x80000000) !== 0 ? (k1 ^ 0x80000000) >>> 0 : ~k1 >>> 0);
    case 1: {
      const negative = (k1 & 0x80000000) === 0;
      scratch.setUint32(0, negative ? ~k0 >>> 0 : k0, true);
      scratch.setUint32(4, negative ? ~k1 >>> 0 : (k1 ^ 0x80000000) >>> 0, true);
      return scratch.getFloat64(0, true);
    }
    case 2:
      return (k1 ^ 0x80000000) | 0;
    case 3:
      return k1;
    case 4:
      return BigInt.asIntN(64, (BigInt((k1 ^ 0x80000000) >>> 0) << 32n) | BigInt(k0));
    default:
      return (BigInt(k1) << 32n) | BigInt(k0);
  }
}

function decodePartial(dtype: NumericDType, w: Uint32Array): ReducePartial {
  const p = emptyPartial(dtype);
  p.count = w[0]!;
  p.nan = w[1]!;
  p.posInf = w[2]!;
  p.negInf = w[3]!;
  const kind = KIND[dtype];
  if (kind <= 1) {
    // hi + lo of a double-float is exact in a double; the two sums join as a double-double.
    [p.sum, p.sumLo] = addDD(f32Bits(w[5]!) + f32Bits(w[6]!), 0, f32Bits(w[12]!) + f32Bits(w[13]!), 0);
  } else {
    p.sum = BigInt.asIntN(96, (BigInt(w[7]!) << 64n) | (BigInt(w[6]!) << 32n) | BigInt(w[5]!));
  }
  if (p.count > p.nan) {
    p.min = keyValue(dtype, w[8]!, w[9]!);
    p.max = keyValue(dtype, w[10]!, w[11]!);
  }
  return p;
}
