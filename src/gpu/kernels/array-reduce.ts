/**
 * The array reduction family on the device (`shaders/array-reduce.wgsl`), the GPU twin of
 * `reducePartial` in `cpu/kernels/array-reduce.ts`: the same partial (float64 cells) from a
 * resident block. Threads fold segments of each cell in f32 and the host merges the segments in
 * float64 (Chan's formula for moments). A block larger than one binding is reduced in slabs of
 * whole rows (along its first dimension), whose partials are then combined (first dimension
 * reduced) or laid end to end (kept). float32 takes every operation; int32 only min, max,
 * argmin and argmax, whose values stay exact (int32 sums would round in f32: they run on the CPU).
 */
import { allocData, type ArrayDType, sizeOf, stridesOf } from '../../cpu/kernels/array-block.js';
import { combinePartials, type ArrayReduceOp, type ReducePartial } from '../../cpu/kernels/array-reduce.js';
import type { ReduceTask } from '../../cpu/kernels/array-task.js';
import type { GpuContext } from '../gpu-context.js';
import type { DeviceBlock } from './array-elementwise.js';
import { wgslType } from './array-wgsl.js';
import { bindWords, DispatchList } from './scan.js';

const OP_CODE: Readonly<Record<ArrayReduceOp, number>> = { sum: 0, mean: 1, var: 1, std: 1, min: 2, max: 3, argmin: 4, argmax: 5 };
/** Threads worth having in flight; segments are at least this long. */
const TARGET_THREADS = 65536;
const MIN_SEGMENT = 64;

/**
 * Whether `op` over `dtype` runs on the device.
 *
 * @example
 * reduceOnGpu('sum', 'int32'); // false: f32 would round the sum
 */
export function reduceOnGpu(op: ArrayReduceOp, dtype: ArrayDType): boolean {
  if (dtype === 'float32') return true;
  return dtype === 'int32' && OP_CODE[op] >= 2;
}

interface Slab {
  row0: number;
  shape: number[];
  cells: number;
  r: number;
  l: number;
  s: number;
  /** First output entry of the slab. */
  out: number;
}

function pad4(values: number[], fill: number): number[] {
  return [...new Array<number>(4 - values.length).fill(fill), ...values];
}

/** One slab's segments merged per cell into a float64 partial (indices made global). */
function mergeSlab(task: ReduceTask, block: DeviceBlock, slab: Slab, a: Float32Array | Int32Array, b: Float32Array, idx: Uint32Array): ReducePartial {
  const { op } = task;
  const reduced = slab.shape.map((_, d) => task.axes.includes(d));
  const outA = allocData('float64', slab.cells) as Float64Array;
  const arg = op === 'argmin' || op === 'argmax';
  const outB = op === 'var' || op === 'std' || arg ? (allocData('float64', slab.cells) as Float64Array) : null;
  const blockStrides = stridesOf(block.shape);
  const arrayStrides = stridesOf(task.arrayShape);
  const full = task.axes.length === block.shape.length;
  const globalIndex = (local: number): number => {
    let rem = local + slab.row0 * blockStrides[0]!;
    let flat = 0;
    let coord = 0;
    block.shape.forEach((_, d) => {
      const i = Math.floor(rem / blockStrides[d]!);
      rem -= i * blockStrides[d]!;
      flat += (task.offset[d]! + i) * arrayStrides[d]!;
      if (d === task.axes[0]) coord = task.offset[d]! + i;
    });
    return full ? flat : coord;
  };
  for (let c = 0; c < slab.cells; c++) {
    let n = 0;
    for (let k = 0; k < slab.s; k++) {
      const e = slab.out + c * slab.s + k;
      const count = Math.min(slab.l, slab.r - k * slab.l);
      const v = a[e]!;
      if (k === 0) {
        outA[c] = v;
        if (outB !== null) outB[c] = arg ? globalIndex(idx[e]!) : b[e]!;
      } else if (OP_CODE[op] <= 1) {
        if (outB !== null) {
          const delta = v / count - outA[c]! / n;
          outB[c] = outB[c]! + b[e]! + ((delta * delta * n) / (n + count)) * count;
        }
        outA[c] += v;
      } else {
        const cur = outA[c]!;
        const max = op === 'max' || op === 'argmax';
        // Segments come in order, so NaN or a strictly better value replaces, a tie does not.
        if (cur === cur && (v !== v || (max ? v > cur : v < cur))) {
          outA[c] = v;
          if (outB !== null) outB[c] = globalIndex(idx[e]!);
        }
      }
      n += count;
    }
  }
  return { shape: slab.shape.map((s, d) => (reduced[d] ? 1 : s)), count: slab.r, a: outA, b: outB };
}

/**
 * The partial of `task` (its op and axes) over `block`, on the device; null when a row of the
 * block, or the cells of one, do not fit one binding.
 *
 * @example
 * const partial = await reduceGpu(gpu, task, uploadBlock(gpu, block));
 */
export async function reduceGpu(gpu: GpuContext, task: ReduceTask, block: DeviceBlock): Promise<ReducePartial | null> {
  const shape = block.shape;
  const n = sizeOf(shape);
  if (n === 0 || shape.length > 4) return null;
  const bindable = Math.floor(gpu.maxBindingSize / 4) - gpu.alignment / 4;
  const rowElems = shape.length === 0 ? 1 : n / shape[0]!;
  const rowsPerSlab = shape.length === 0 ? 1 : Math.min(shape[0]!, Math.floor(bindable / rowElems));
  if (rowsPerSlab === 0) return null;
  const slabs: Slab[] = [];
  let outTotal = 0;
  for (let row0 = 0; row0 < (shape[0] ?? 1); row0 += rowsPerSlab) {
    const slabShape = shape.length === 0 ? [] : [Math.min(rowsPerSlab, shape[0]! - row0), ...shape.slice(1)];
    const r = slabShape.reduce((acc, s, d) => (task.axes.includes(d) ? acc * s : acc), 1);
    const cells = sizeOf(slabShape) / r;
    let l = Math.max(MIN_SEGMENT, Math.ceil(r / Math.max(1, Math.floor(TARGET_THREADS / cells))));
    if (cells * Math.ceil(r / l) > bindable) l = Math.ceil(r / Math.max(1, Math.floor(bindable / cells)));
    const s = Math.ceil(r / l);
    if (cells * s > bindable) return null;
    slabs.push({ row0, shape: slabShape, cells, r, l, s, out: outTotal });
    outTotal += cells * s;
  }
  const T = wgslType(block.dtype);
  const pipeline = await gpu.pipeline('array-reduce', 'reduce_segments', {
    WORKGROUP_SIZE: gpu.workgroupSize, OP: OP_CODE[task.op], T, IS_NAN: T === 'f32' ? '(bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u' : 'false',
  });
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC;
  const outs = [0, 1, 2].map((k) => gpu.pool.acquire(outTotal * 4, usage, `array reduce out ${k}`));
  const stride = Math.max(256, gpu.device.limits.minUniformBufferOffsetAlignment);
  const geom = new Uint32Array((slabs.length * stride) / 4);
  slabs.forEach((slab, k) => {
    const strides = stridesOf(slab.shape);
    const kept = slab.shape.map((_, d) => d).filter((d) => !task.axes.includes(d));
    const red = slab.shape.map((_, d) => d).filter((d) => task.axes.includes(d));
    geom.set([...pad4(kept.map((d) => slab.shape[d]!), 1), ...pad4(kept.map((d) => strides[d]!), 0), ...pad4(red.map((d) => slab.shape[d]!), 1), ...pad4(red.map((d) => strides[d]!), 0)], (k * stride) / 4);
  });
  const geomLoan = gpu.uniform(geom.buffer);
  const list = new DispatchList(gpu, 5, 'array reduce');
  try {
    for (const [k, slab] of slabs.entries()) {
      const input = bindWords(gpu, block.loan.buffer, slab.row0 * rowElems, sizeOf(slab.shape));
      const threads = slab.cells * slab.s;
      const bound = outs.map((o) => bindWords(gpu, o.buffer, slab.out, threads));
      list.add(pipeline, [
        [0, input.binding], [1, bound[0]!.binding], [2, bound[1]!.binding], [3, bound[2]!.binding], [4, { buffer: geomLoan.buffer, offset: k * stride, size: 64 }],
      ], [slab.r, slab.l, slab.s, threads, input.base, bound[0]!.base, 0, 0], Math.ceil(threads / gpu.workgroupSize));
    }
    await gpu.submit('array reduce', (encoder) => {
      const pass = encoder.beginComputePass({ label: 'array reduce' });
      list.encode(pass);
      pass.end();
    });
    const [ra, rb, ri] = await Promise.all(outs.map((o) => gpu.read(o.buffer, 0, outTotal * 4)));
    const a = T === 'f32' ? new Float32Array(ra!) : new Int32Array(ra!);
    const parts = slabs.map((slab) => mergeSlab(task, block, slab, a, new Float32Array(rb!), new Uint32Array(ri!)));
    if (parts.length === 1) return parts[0]!;
    if (task.axes.includes(0)) return combinePartials(task.op, parts);
    const cells = parts.reduce((acc, p) => acc + p.a.length, 0);
    const outA = allocData('float64', cells) as Float64Array;
    const outB = parts[0]!.b === null ? null : (allocData('float64', cells) as Float64Array);
    let at = 0;
    for (const p of parts) {
      outA.set(p.a, at);
      if (outB !== null) outB.set(p.b!, at);
      at += p.a.length;
    }
    return { shape: shape.map((s, d) => (task.axes.includes(d) ? 1 : s)), count: parts[0]!.count, a: outA, b: outB };
  } finally {
    list.release();
    gpu.pool.release(geomLoan);
    for (const o of outs) gpu.pool.release(o);
  }
}
