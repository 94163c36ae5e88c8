/**
 * The array elementwise family on the device (`shaders/array-elementwise.wgsl`), the GPU twin of
 * `cpu/kernels/array-fused.ts`: one generated kernel per fused chain (cached by its WGSL), run
 * over an output block in windows no larger than one binding. Operands shaped like the output
 * are bound per window; broadcast operands (rows, columns, scalars) are bound whole. Also here:
 * moving blocks to and from the device.
 */
import { allocBlock, ARRAY_DTYPE_BYTES, type ArrayDType, type Block, sizeOf, stridesOf } from '../../cpu/kernels/array-block.js';
import type { FusedTask } from '../../cpu/kernels/array-fused.js';
import type { PooledBuffer } from '../buffer-pool.js';
import type { GpuContext } from '../gpu-context.js';
import { writeView } from '../upload.js';
import { wgslExpr, wgslSupported, wgslType } from './array-wgsl.js';
import { bindWords, DispatchList } from './scan.js';

/** A block resident on the device: row-major float32 or int32 from byte 0 of `loan`. */
export interface DeviceBlock {
  loan: PooledBuffer;
  shape: number[];
  dtype: ArrayDType;
}

/** Storage that can be written from the host and read back (`GPUBufferUsage` exists only once a device does). */
function usage(): GPUBufferUsageFlags {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
}
/** Operands one kernel takes: the parameter block has room for five origins. */
const MAX_INPUTS = 5;
const MAX_DIMS = 4;

/**
 * Puts a float32 or int32 block on the device (float64 cannot go: the device has no f64).
 *
 * @example
 * const dev = uploadBlock(gpu, block); // ... gpu.pool.release(dev.loan)
 */
export function uploadBlock(gpu: GpuContext, block: Block): DeviceBlock {
  const bytes = block.data.byteLength;
  const loan = gpu.pool.acquire(Math.max(bytes, 4), usage(), 'array block');
  if (bytes > 0) writeView(gpu, loan.buffer, block.data, bytes);
  return { loan, shape: [...block.shape], dtype: block.dtype };
}

/**
 * A device block read back into a shared-memory block.
 *
 * @example
 * const block = await readBlock(gpu, dev);
 */
export async function readBlock(gpu: GpuContext, dev: DeviceBlock): Promise<Block> {
  const out = allocBlock(dev.dtype, dev.shape);
  const bytes = out.data.byteLength;
  if (bytes > 0) new Uint8Array(out.data.buffer, 0, bytes).set(new Uint8Array(await gpu.read(dev.loan.buffer, 0, bytes)));
  return out;
}

/** Elements in one window: within a binding after the alignment slack, and within one dispatch. */
export function windowElements(gpu: GpuContext): number {
  return Math.min(Math.floor(gpu.maxBindingSize / 4) - gpu.alignment / 4, gpu.device.limits.maxComputeWorkgroupsPerDimension * gpu.workgroupSize);
}

function padded(shape: readonly number[]): number[] {
  return [...new Array<number>(MAX_DIMS - shape.length).fill(1), ...shape];
}

/** Whether the chain can run on this device: float32/int32 only, few enough operands and dimensions. */
export function elementwiseOnGpu(task: FusedTask): boolean {
  return wgslSupported(task.expr) && task.dtype !== 'float64' && task.inputs.length <= MAX_INPUTS &&
    task.shape.length <= MAX_DIMS && task.inputs.every((b) => b.dtype !== 'float64');
}

/**
 * Runs `task`'s chain on the device over `inputs` (its operands, uploaded) into a new device
 * block; null when an operand that broadcasts is too large to bind whole.
 *
 * @example
 * const out = await elementwiseGpu(gpu, task, task.inputs.map((b) => uploadBlock(gpu, b)));
 */
export async function elementwiseGpu(gpu: GpuContext, task: FusedTask, inputs: readonly DeviceBlock[]): Promise<DeviceBlock | null> {
  const n = sizeOf(task.shape);
  const outShape = padded(task.shape);
  const outStrides = stridesOf(outShape);
  const strides = inputs.map((b) => {
    const own = padded(b.shape);
    const s = stridesOf(own);
    return own.map((size, d) => (size === 1 && outShape[d] !== 1 ? 0 : s[d]!));
  });
  const full = inputs.map((b, k) => sizeOf(b.shape) === n && strides[k]!.every((v, d) => v === outStrides[d] || outShape[d] === 1));
  if (inputs.some((b, k) => !full[k] && sizeOf(b.shape) * 4 > gpu.maxBindingSize)) return null;
  const out: DeviceBlock = { loan: gpu.pool.acquire(Math.max(n * ARRAY_DTYPE_BYTES[task.dtype], 4), usage(), 'array elementwise out'), shape: [...task.shape], dtype: task.dtype };
  if (n === 0) return out;
  const decls = inputs.map((b, k) => {
    const t = wgslType(b.dtype);
    const at = full[k] ? 'i' : `offset_of(i, shape.strides[${k}])`;
    return `@group(0) @binding(${3 + k}) var<storage, read> in${k}: array<${t}>;\nfn load${k}(i: u32) -> ${t} { _ = shape.dims; return in${k}[${at} - params.o${k}]; }`;
  });
  const pipeline = await gpu.pipeline('array-elementwise', 'elementwise', {
    WORKGROUP_SIZE: gpu.workgroupSize, OUT_TYPE: wgslType(task.dtype), INPUTS: decls.join('\n'), EXPR: wgslExpr(task.expr),
  });
  const shapeWords = new Uint32Array(24);
  shapeWords.set(outShape, 0);
  strides.forEach((s, k) => shapeWords.set(s, 4 + 4 * k));
  const shapeLoan = gpu.uniform(shapeWords.buffer);
  const list = new DispatchList(gpu, 2, 'array elementwise');
  try {
    const span = windowElements(gpu);
    for (let w0 = 0; w0 < n; w0 += span) {
      const count = Math.min(span, n - w0);
      const o = bindWords(gpu, out.loan.buffer, w0, count);
      const origins = inputs.map(() => 0);
      const bindings: [number, GPUBufferBinding][] = [[0, o.binding], [1, { buffer: shapeLoan.buffer, offset: 0, size: shapeWords.byteLength }]];
      inputs.forEach((b, k) => {
        if (full[k]) {
          const w = bindWords(gpu, b.loan.buffer, w0, count);
          origins[k] = w0 - w.base;
          bindings.push([3 + k, w.binding]);
        } else {
          bindings.push([3 + k, { buffer: b.loan.buffer, offset: 0, size: Math.max(sizeOf(b.shape), 1) * 4 }]);
        }
      });
      list.add(pipeline, bindings, [count, w0, o.base, ...origins], Math.ceil(count / gpu.workgroupSize));
    }
    await gpu.submit('array elementwise', (encoder) => {
      const pass = encoder.beginComputePass({ label: 'array elementwise' });
      list.encode(pass);
      pass.end();
    });
    return out;
  } catch (error) {
    gpu.pool.release(out.loan);
    throw error;
  } finally {
    list.release();
    gpu.pool.release(shapeLoan);
  }
}
