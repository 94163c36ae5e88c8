/**
 * Array tasks with a `BlockTarget`: every kernel that makes a block gives the same bits whether
 * its memory is new or lent memory full of old values (NaN, garbage), including the kernels that
 * do not write every element by themselves (a gather whose pieces leave holes, matmul, which
 * accumulates, a product with no inner blocks); a chain feeding a reduction may be lent its
 * scratch block; `place` copies the block into its box of a larger array; a block made elsewhere
 * (the GPU) is copied into `out`; memory of the wrong type or size is refused.
 */
import { describe, expect, it } from 'vitest';
import { type ArrayData, type ArrayDType, allocData, type Block, outBlock, stridesOf } from '../../src/cpu/kernels/array-block.js';
import type { FusedExpr } from '../../src/cpu/kernels/array-expr.js';
import { blockSpec, runArrayTask, settleBlock, type ArrayTask } from '../../src/cpu/kernels/array-task.js';
import { shipFunction } from '../../src/exec/ship-function.js';
import { KernelError } from '../../src/errors.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();
const SPECIALS = [NaN, Infinity, -Infinity, -0, 0, 1e-30];
const INT_SPECIALS = [2147483647, -2147483648, 0, -1];

function block(rng: Random, dtype: ArrayDType, shape: number[]): Block {
  const data = allocData(dtype, shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) {
    const u = rng.next();
    if (dtype === 'int32') data[i] = u < 0.1 ? INT_SPECIALS[rng.int(0, INT_SPECIALS.length - 1)]! : rng.int(-1000, 1000);
    else data[i] = u < 0.1 ? SPECIALS[rng.int(0, SPECIALS.length - 1)]! : (rng.next() - 0.5) * 100;
  }
  return { data, shape, dtype };
}

/** Lent memory as a pool hands it out: whatever an earlier block left there. */
function dirty(dtype: ArrayDType, length: number): ArrayData {
  const data = allocData(dtype, length);
  data.fill(dtype === 'int32' ? -123456 : NaN);
  return data;
}

function bits(data: ArrayData): string[] {
  return Array.from(data, (v) => (Object.is(v, -0) ? '-0' : String(v)));
}

/** The task run on new memory and on dirty lent memory: the same values, and the lent memory used. */
function expectSameOnDirty(task: ArrayTask): void {
  const fresh = runArrayTask(task) as Block;
  const spec = blockSpec(task)!;
  expect(fresh.shape).toEqual(spec.shape);
  const out = dirty(spec.dtype, fresh.data.length);
  const lent = runArrayTask({ ...task, out }) as Block;
  expect(lent.data).toBe(out);
  expect(lent.shape).toEqual(fresh.shape);
  expect(bits(lent.data)).toEqual(bits(fresh.data));
}

const x0: FusedExpr = { kind: 'input', index: 0, dtype: 'float64' };
const x1: FusedExpr = { kind: 'input', index: 1, dtype: 'float64' };

describe(`array tasks on lent memory (seed ${seed})`, () => {
  it('fused chains, flat and broadcast, at sizes around a multiple of 128', () => {
    const rng = new Random(seed);
    const expr: FusedExpr = { kind: 'binary', op: 'sub', a: { kind: 'unary', op: 'sqrt', arg: { kind: 'binary', op: 'mul', a: x0, b: x1, dtype: 'float64' }, dtype: 'float64' }, b: x0, dtype: 'float64' };
    for (const n of [0, 1, 127, 128, 129]) {
      expectSameOnDirty({ kind: 'fused', expr, inputs: [block(rng, 'float64', [n]), block(rng, 'float64', [n])], shape: [n], dtype: 'float64' });
    }
    expectSameOnDirty({ kind: 'fused', expr, inputs: [block(rng, 'float64', [3, 129]), block(rng, 'float64', [1, 129])], shape: [3, 129], dtype: 'float64' });
    expectSameOnDirty({ kind: 'fused', expr, inputs: [block(rng, 'float64', [127, 1]), block(rng, 'float64', [2])], shape: [127, 2], dtype: 'float64' });
  });

  it('generated blocks: random, full, arange', () => {
    for (const gen of [{ type: 'random', seed: 5 }, { type: 'full', value: -0 }, { type: 'arange', start: 3, step: -0.5 }] as const) {
      expectSameOnDirty({ kind: 'generate', gen, shape: [5, 129], offset: [2, 0], arrayShape: [9, 129], dtype: 'float32' });
      expectSameOnDirty({ kind: 'generate', gen, shape: [], offset: [], arrayShape: [], dtype: 'float64' });
    }
  });

  it('gathers, whole and with holes, and transposes', () => {
    const rng = new Random(seed + 1);
    const src = block(rng, 'int32', [6, 129]);
    const whole = [
      { src, start: [0, 0], step: [1, 1], dstStart: [0, 0], count: [2, 129] },
      { src, start: [5, 128], step: [-1, -1], dstStart: [2, 0], count: [4, 129] },
    ];
    expectSameOnDirty({ kind: 'gather', shape: [6, 129], dtype: 'int32', pieces: whole });
    // Pieces that leave holes: the holes are zero in lent memory as in new memory.
    const holes = [{ src, start: [1, 3], step: [2, 1], dstStart: [1, 2], count: [2, 60] }];
    expectSameOnDirty({ kind: 'gather', shape: [6, 129], dtype: 'int32', pieces: holes });
    expectSameOnDirty({ kind: 'gather', shape: [6, 129], dtype: 'int32', pieces: [] });
    expectSameOnDirty({ kind: 'transpose', input: block(rng, 'float32', [127, 3, 2]), axes: [2, 0, 1] });
  });

  it('matmul over several inner blocks, int32 wrapping, and with no inner block', () => {
    const rng = new Random(seed + 2);
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      const pairs: [Block, Block][] = [[block(rng, dtype, [65, 129]), block(rng, dtype, [129, 7])], [block(rng, dtype, [65, 3]), block(rng, dtype, [3, 7])]];
      expectSameOnDirty({ kind: 'matmul', pairs, shape: [65, 7], dtype });
      expectSameOnDirty({ kind: 'matmul', pairs: [], shape: [4, 5], dtype });
    }
  });

  it('mapBlocks results, and reduction results with and without a lent chain block', () => {
    const rng = new Random(seed + 3);
    const input = block(rng, 'float64', [9, 128]);
    const fn = shipFunction((b: Block) => ({ data: b.data.map((v) => v * 2), shape: b.shape }), 'mapBlocks');
    expectSameOnDirty({ kind: 'map', fn, input, index: [0, 0], dtype: 'float64' });
    const chain = { kind: 'fused' as const, expr: { kind: 'unary' as const, op: 'abs' as const, arg: x0, dtype: 'float64' as const }, inputs: [input], shape: [9, 128], dtype: 'float64' as const };
    for (const op of ['sum', 'std', 'argmax'] as const) {
      const finish = { ddof: 0, shape: [128], dtype: op === 'argmax' ? 'int32' as const : 'float64' as const };
      const task: ArrayTask = { kind: 'reduce', op, axes: [0], input: chain, offset: [0, 0], arrayShape: [9, 128], finish };
      expectSameOnDirty(task);
      const scratch = dirty('float64', 9 * 128);
      const withScratch = runArrayTask({ ...task, input: { ...chain, out: scratch } }) as Block;
      expect(bits(withScratch.data)).toEqual(bits((runArrayTask(task) as Block).data));
      expect(Array.from(scratch)).toEqual(Array.from(input.data, Math.abs));
    }
    const partial = runArrayTask({ kind: 'reduce', op: 'mean', axes: [1], input, offset: [0, 0], arrayShape: [9, 128], finish: null });
    expect(blockSpec({ kind: 'combine', op: 'mean', parts: [], finish: null })).toBeNull();
    if ('data' in partial) throw new Error('a reduction without finish makes a partial');
    expectSameOnDirty({ kind: 'combine', op: 'mean', parts: [partial, partial], finish: { ddof: 0, shape: [9, 1], dtype: 'float32' } });
  });

  it('place copies the block into its box of a larger array, stacked shapes too', () => {
    const rng = new Random(seed + 4);
    const src = block(rng, 'float64', [3, 4]);
    const big = allocData('float64', 5 * 7).fill(-1);
    const strides = stridesOf([5, 7]);
    const made = runArrayTask({ kind: 'transpose', input: src, axes: [1, 0], place: { data: big, base: 1 * 7 + 2, strides, shape: [4, 3] } }) as Block;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 7; j++) {
        const inside = i >= 1 && i < 5 && j >= 2 && j < 5;
        expect(big[i * 7 + j]).toBe(inside ? made.data[(i - 1) * 3 + (j - 2)] : -1);
      }
    }
    // A stacked block: the box has a leading 1 the task's block does not.
    const stack = allocData('float64', 2 * 12);
    runArrayTask({ kind: 'gather', shape: [3, 4], dtype: 'float64', pieces: [{ src, start: [0, 0], step: [1, 1], dstStart: [0, 0], count: [3, 4] }], place: { data: stack, base: 12, strides: stridesOf([2, 3, 4]), shape: [1, 3, 4] } });
    expect(Array.from(stack.subarray(12))).toEqual(Array.from(src.data));
    expect(() => runArrayTask({ kind: 'transpose', input: src, axes: [1, 0], place: { data: big, base: 0, strides, shape: [2, 3] } })).toThrow(KernelError);
  });

  it('a block made elsewhere is copied into out; wrong memory is refused', () => {
    const rng = new Random(seed + 5);
    const made = block(rng, 'float32', [2, 65]);
    const out = dirty('float32', 130);
    const task: ArrayTask = { kind: 'fused', expr: x0, inputs: [made], shape: [2, 65], dtype: 'float32', out };
    const settled = settleBlock(task, made) as Block;
    expect(settled.data).toBe(out);
    expect(bits(out)).toEqual(bits(made.data));
    expect(() => outBlock('float32', [2, 65], allocData('float64', 130))).toThrow(KernelError);
    expect(() => outBlock('float32', [2, 65], allocData('float32', 131))).toThrow(/131 values/);
    expect(() => runArrayTask({ ...task, out: allocData('float32', 129) })).toThrow(KernelError);
  });
});
