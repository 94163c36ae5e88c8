/**
 * var and std on the device, from the exact per-group sums: the host puts each group's mean in
 * a per-group centre (three f32 pieces of the double mean, or an integer near it plus the
 * rest), `mscale_main` finds each group's largest |x - mean|, and `msq_main` adds the
 * deviations d and their squares, scaled by a power of two to at most 1, into fixed-point
 * accumulators; M2 = Σd² - (Σd)²/n corrects for the centre being the mean rounded to a
 * double. Every step is exact integer addition, so M2 is the same whatever the row order.
 */
import type { AggState, FloatSumState, IntSumState, MomentsState } from '../../../cpu/kernels/group-by/agg-types.js';
import { integerCentre } from '../../../reduce/reduce-partial.js';
import type { GpuTableColumn } from '../../upload-table.js';
import { fixedValue, MSQ_WORDS } from './decode-states.js';
import { pass, type GroupPass } from './group-pass.js';

const CENTRE_WORDS = 8;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

function valueOf(bits: number): number {
  u32[0] = bits;
  return f32[0]!;
}

/** Mean and centre words of every group of one column. */
function centres(sum: FloatSumState | IntSumState, aux: Uint32Array): Float64Array {
  const groups = sum.count.length;
  const mean = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const n = sum.count[g]!;
    if (n === 0) continue;
    const o = g * CENTRE_WORDS;
    if (sum.kind === 'float-sum') {
      const hi = sum.hi[g]!;
      const m = Number.isFinite(hi) ? (hi + sum.lo[g]!) / n : hi / n;
      mean[g] = m;
      if (!Number.isFinite(m)) continue;
      const c0 = Math.fround(m);
      const c1 = Math.fround(m - c0);
      aux[o] = bitsOf(c0);
      aux[o + 1] = bitsOf(c1);
      aux[o + 2] = bitsOf(Math.fround(m - c0 - c1));
    } else {
      const total = (BigInt(sum.l2[g]!) << 64n) + (BigInt(sum.l1[g]!) << 32n) + BigInt(sum.l0[g]!);
      const { k, frac } = integerCentre(total, n);
      mean[g] = Number(k) + frac;
      const c0 = Math.fround(frac);
      aux[o] = bitsOf(c0);
      aux[o + 1] = bitsOf(Math.fround(frac - c0));
      const kw = BigInt.asUintN(96, k);
      aux[o + 3] = Number(kw & 0xffffffffn);
      aux[o + 4] = Number((kw >> 32n) & 0xffffffffn);
      aux[o + 5] = Number(kw >> 64n);
    }
  }
  return mean;
}

/**
 * The moments state of each entry, from its column and exact sum state.
 * @example
 * const [state] = await momentsStates(run, groups, [{ column, sum }]);
 */
export async function momentsStates(
  run: GroupPass, groups: number, entries: readonly { column: GpuTableColumn; sum: AggState }[],
): Promise<MomentsState[]> {
  const parts = entries.map(({ column, sum }) => {
    const aux = new Uint32Array(Math.max(1, groups) * CENTRE_WORDS);
    const mean = centres(sum as FloatSumState | IntSumState, aux);
    const centre = run.scratch(aux.byteLength, `group-by centre ${column.name}`);
    const scale = run.scratch(Math.max(1, groups) * 4, `group-by scale ${column.name}`);
    const squares = run.scratch(Math.max(1, groups) * MSQ_WORDS * 4, `group-by squares ${column.name}`);
    return { column, sum: sum as FloatSumState | IntSumState, aux, mean, centre, scale, squares };
  });
  for (const p of parts) run.gpu.device.queue.writeBuffer(p.centre.buffer, 0, p.aux);
  await run.encode('moments scale', parts.map((p) => p.scale), parts.map((p) => pass('mscale_main', p.scale, { column: p.column, aux: p.centre })));
  const exps = [];
  for (const p of parts) {
    const most = await run.read(p.scale, groups);
    // |d| < 2^e for every deviation of the group, so each scaled square is at most 1.
    const e = Int32Array.from(most, (bits) => {
      const m = valueOf(bits);
      return m > 0 ? Math.min(100, Math.max(-100, Math.ceil(Math.log2(m)) + 1)) : 0;
    });
    for (let g = 0; g < groups; g++) p.aux[g * CENTRE_WORDS + 6] = bitsOf(2 ** -e[g]!);
    run.gpu.device.queue.writeBuffer(p.centre.buffer, 0, p.aux);
    exps.push(e);
  }
  await run.encode('moments squares', parts.map((p) => p.squares), parts.map((p) => pass('msq_main', p.squares, { column: p.column, aux: p.centre })));
  const out: MomentsState[] = [];
  for (const [i, p] of parts.entries()) {
    const words = await run.read(p.squares, groups * MSQ_WORDS);
    const m2 = new Float64Array(groups);
    for (let g = 0; g < groups; g++) {
      if (p.sum.count[g] === 0) continue;
      if (!Number.isFinite(p.mean[g]!)) {
        m2[g] = Number.NaN;
        continue;
      }
      const [hi, lo] = fixedValue(words, g * MSQ_WORDS, -216);
      const [dHi, dLo] = fixedValue(words, g * MSQ_WORDS + 16, -216);
      const d = dHi + dLo;
      m2[g] = Math.max(0, hi + lo - (d * d) / p.sum.count[g]!) * 2 ** (2 * exps[i]![g]!);
    }
    out.push({ kind: 'moments', count: p.sum.count, mean: p.mean, m2 });
  }
  return out;
}
