/**
 * Chunk geometry: how a shape is cut into blocks. `chunks` is the block sizes per dimension
 * (`[[2000, 2000, 1000], [500, 500]]`); a zero-length dimension has one empty block (`[0]`) so
 * every array has at least one block. Also here: 'auto' chunking, the common refinement of two
 * chunkings (elementwise operands that were cut differently), and block offsets.
 */
import { PlanError } from '../errors.js';
import { ARRAY_DTYPE_BYTES, type ArrayDType } from '../cpu/kernels/array-block.js';

/**
 * What `chunks` options accept: 'auto', one block size for every dimension, or per dimension a
 * block size (-1: the whole dimension) or the explicit sizes of its blocks.
 */
export type ChunksInput = 'auto' | number | readonly (number | readonly number[])[];

/** Near 32 MB per block on the CPU, always well within one GPU binding (128 MiB). */
export const AUTO_BLOCK_BYTES = 32e6;

function checkShape(shape: readonly number[], what: string): void {
  if (!Array.isArray(shape) || shape.some((s) => !Number.isSafeInteger(s) || s < 0)) {
    throw new PlanError('BAD_SHAPE', `${what}: shape must be an array of non-negative integers, not ${JSON.stringify(shape)}`);
  }
}

/** Cuts `size` into blocks of `block` (the last one shorter). */
export function regularChunks(size: number, block: number): number[] {
  if (size === 0) return [0];
  const out: number[] = [];
  for (let at = 0; at < size; at += block) out.push(Math.min(block, size - at));
  return out;
}

/** 'auto': whole trailing dimensions, leading ones cut so a block is near `AUTO_BLOCK_BYTES`. */
function autoChunks(shape: readonly number[], dtype: ArrayDType): number[][] {
  let budget = Math.max(1, Math.floor(AUTO_BLOCK_BYTES / ARRAY_DTYPE_BYTES[dtype]));
  const sizes = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = Math.max(shape[d]!, 1);
    sizes[d] = Math.max(1, Math.min(size, budget));
    budget = Math.max(1, Math.floor(budget / size));
  }
  return shape.map((s, d) => regularChunks(s, sizes[d]!));
}

/**
 * The block sizes per dimension for `input`, checked against `shape`.
 *
 * @example
 * normalizeChunks([5, 4], 2, 'float64', 'fromTypedArray'); // [[2, 2, 1], [2, 2]]
 */
export function normalizeChunks(shape: readonly number[], input: ChunksInput | undefined, dtype: ArrayDType, what: string): number[][] {
  checkShape(shape, what);
  if (input === undefined || input === 'auto') return autoChunks(shape, dtype);
  const bad = (why: string): PlanError => new PlanError('BAD_CHUNKS', `${what}: chunks ${JSON.stringify(input)} for shape [${shape.join(', ')}]: ${why}`);
  const perDim: readonly (number | readonly number[])[] = typeof input === 'number' ? shape.map(() => input) : input;
  if (!Array.isArray(perDim) || perDim.length !== shape.length) throw bad(`give one entry per dimension (${shape.length})`);
  return shape.map((size, d) => {
    const c = perDim[d]!;
    if (typeof c === 'number') {
      if (c === -1) return regularChunks(size, Math.max(size, 1));
      if (!Number.isSafeInteger(c) || c < 1) throw bad(`dimension ${d}: a block size must be a positive integer (or -1 for the whole dimension)`);
      return regularChunks(size, c);
    }
    if (!Array.isArray(c) || c.some((v) => !Number.isSafeInteger(v) || v < 0)) throw bad(`dimension ${d}: block sizes must be non-negative integers`);
    const total = c.reduce((a, b) => a + b, 0);
    if (total !== size) throw bad(`dimension ${d}: the blocks add up to ${total}, not ${size}`);
    if (size === 0) return [0];
    if (c.includes(0)) throw bad(`dimension ${d}: empty blocks are allowed only in a zero-length dimension`);
    return [...c];
  });
}

/** Where each block starts along one dimension. */
export function chunkOffsets(sizes: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(at);
    at += s;
  }
  return out;
}

/**
 * The common refinement of several chunkings of one dimension: a block ends wherever one of
 * them ends, so every new block lies inside one block of each.
 *
 * @example
 * refineChunks([[4, 4], [3, 5]]); // [3, 1, 4]
 */
export function refineChunks(list: readonly (readonly number[])[]): number[] {
  const ends = new Set<number>();
  for (const sizes of list) {
    let at = 0;
    for (const s of sizes) ends.add((at += s));
  }
  const sorted = [...ends].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.at(-1) === 0) return [0];
  const out: number[] = [];
  let prev = 0;
  for (const e of sorted) {
    if (e > prev) out.push(e - prev);
    prev = e;
  }
  return out;
}

export function sameChunks(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): boolean {
  return a.length === b.length && a.every((s, d) => s.length === b[d]!.length && s.every((v, i) => v === b[d]![i]));
}

/** Every block index of a grid, in row-major order (one empty index for a 0-d array). */
export function blockIndices(chunks: readonly (readonly number[])[]): number[][] {
  let out: number[][] = [[]];
  for (const sizes of chunks) out = out.flatMap((idx) => sizes.map((_, i) => [...idx, i]));
  return out;
}

/** The shape of block `idx`. */
export function blockShape(chunks: readonly (readonly number[])[], idx: readonly number[]): number[] {
  return chunks.map((sizes, d) => sizes[idx[d]!]!);
}

/** The row-major number of block `idx` (what errors call its block index). */
export function blockNumber(chunks: readonly (readonly number[])[], idx: readonly number[]): number {
  return chunks.reduce((acc, sizes, d) => acc * sizes.length + idx[d]!, 0);
}
