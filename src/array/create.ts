/**
 * Where chunked arrays come from: a typed array (`fromTypedArray`) or a generator (`random`,
 * `zeros`, `ones`, `full`, `arange`). Generated blocks are made by their tasks, so nothing is
 * allocated before `compute()`.
 */
import { type ArrayDType, type ArrayData, ARRAY_DTYPES, type Block, dtypeOfData, sizeOf } from '../cpu/kernels/array-block.js';
import type { Generator } from '../cpu/kernels/array-generate.js';
import { PlanError } from '../errors.js';
import { makeNode } from './array-node.js';
import { normalizeChunks, type ChunksInput } from './chunks.js';
import { ChunkedArray } from './chunked-array.js';

export interface CreateOptions {
  /** Block sizes: one size, one per dimension, explicit sizes per dimension, or 'auto' (default: about 32 MB a block). */
  chunks?: ChunksInput;
  dtype?: ArrayDType;
}

export interface RandomOptions extends CreateOptions {
  /** The same seed gives the same values, whatever the chunking (default: a random seed). */
  seed?: number;
}

let sources = 0;

function checkDtype(dtype: unknown, what: string): ArrayDType {
  if (!ARRAY_DTYPES.includes(dtype as ArrayDType)) throw new PlanError('ARRAY_DTYPE', `${what}: dtype must be one of ${ARRAY_DTYPES.join(', ')}, not ${JSON.stringify(dtype)}`);
  return dtype as ArrayDType;
}

function generated(gen: Generator, shape: readonly number[], dtype: ArrayDType, chunks: ChunksInput | undefined, what: string): ChunkedArray {
  const normalized = normalizeChunks(shape, chunks, dtype, what);
  return new ChunkedArray(makeNode({ kind: 'generate', gen }, [], shape, normalized, dtype));
}

/**
 * A chunked array over `data` (row-major, `shape` defaults to its length). The values are copied
 * once into shared memory unless `data` already lives in a SharedArrayBuffer, in which case it
 * is used in place and must not change until the computations that read it are done.
 *
 * @example
 * const x = array.fromTypedArray(new Float32Array(12), [3, 4], { chunks: [2, 2] });
 */
export function fromTypedArray(data: ArrayData, shape?: readonly number[], options: Omit<CreateOptions, 'dtype'> = {}): ChunkedArray {
  const dtype = dtypeOfData(data, 'fromTypedArray');
  const dims = shape ?? [data.length];
  const chunks = normalizeChunks(dims, options.chunks, dtype, 'fromTypedArray');
  if (sizeOf(dims) !== data.length) {
    throw new PlanError('SHAPE_MISMATCH', `fromTypedArray: shape [${dims.join(', ')}] holds ${sizeOf(dims)} values, but the data has ${data.length}`);
  }
  let shared: ArrayData = data;
  if (!(data.buffer instanceof SharedArrayBuffer)) {
    const Ctor = data.constructor as new (buffer: SharedArrayBuffer) => ArrayData;
    shared = new Ctor(new SharedArrayBuffer(data.byteLength));
    shared.set(data);
  }
  const block: Block = { data: shared, shape: [...dims], dtype };
  return new ChunkedArray(makeNode({ kind: 'source', block, id: ++sources }, [], dims, chunks, dtype));
}

/**
 * Uniform on [0, 1), float64 or float32; value i depends only on the seed and i.
 *
 * @example
 * const r = array.random([10000, 10000], { chunks: [2000, 2000], dtype: 'float32', seed: 1 });
 */
export function random(shape: readonly number[], options: RandomOptions = {}): ChunkedArray {
  const dtype = checkDtype(options.dtype ?? 'float64', 'random');
  if (dtype === 'int32') throw new PlanError('ARRAY_DTYPE', 'random: values are uniform on [0, 1), so the dtype must be float32 or float64');
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (!Number.isInteger(seed)) throw new PlanError('BAD_OPTION', `random: seed must be an integer, not ${seed}`);
  return generated({ type: 'random', seed: seed >>> 0 }, shape, dtype, options.chunks, 'random');
}

/**
 * Every element `value` (dtype float64 unless told).
 *
 * @example
 * array.full([3, 3], 7, { dtype: 'int32' });
 */
export function full(shape: readonly number[], value: number, options: CreateOptions = {}): ChunkedArray {
  if (typeof value !== 'number') throw new PlanError('BAD_OPTION', `full: value must be a number, not ${typeof value}`);
  return generated({ type: 'full', value }, shape, checkDtype(options.dtype ?? 'float64', 'full'), options.chunks, 'full');
}

/** @example array.zeros([100, 100], { chunks: 10 }) */
export function zeros(shape: readonly number[], options: CreateOptions = {}): ChunkedArray {
  return full(shape, 0, options);
}

/** @example array.ones([100], { dtype: 'float32' }) */
export function ones(shape: readonly number[], options: CreateOptions = {}): ChunkedArray {
  return full(shape, 1, options);
}

/**
 * `start, start + step, …` below `stop` (numpy's arange; `arange(n)` is 0 … n − 1). int32 when
 * every argument is an integer, else float64.
 *
 * @example
 * array.arange(0, 10, 2); // 0 2 4 6 8
 */
export function arange(start: number, stop?: number, step = 1, options: CreateOptions = {}): ChunkedArray {
  const [lo, hi] = stop === undefined ? [0, start] : [start, stop];
  if (![lo, hi, step].every(Number.isFinite) || step === 0) throw new PlanError('BAD_OPTION', `arange: start, stop and step must be finite numbers and step not 0 (got ${lo}, ${hi}, ${step})`);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const dtype = checkDtype(options.dtype ?? ([lo, hi, step].every(Number.isInteger) ? 'int32' : 'float64'), 'arange');
  return generated({ type: 'arange', start: lo, step }, [n], dtype, options.chunks, 'arange');
}
