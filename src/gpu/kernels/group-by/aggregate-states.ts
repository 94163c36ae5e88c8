/**
 * The aggregate passes of a group-by run, once rows carry dense group ids: each request
 * becomes a few accumulator jobs (count, exact integer sum, fixed-point float sum, min/max
 * keys, first/last row then its value), shared between requests on the same column, all
 * encoded in one submission and read back once; var/std then run two more passes around each
 * group's mean (`moments.ts`). Results come back as the CPU twin's state kinds.
 */
import type { AggRequest, AggState } from '../../../cpu/kernels/group-by/agg-types.js';
import { is64Bit } from '../../../dtype.js';
import type { PooledBuffer } from '../../buffer-pool.js';
import type { GpuTable, GpuTableColumn } from '../../upload-table.js';
import {
  countState, floatSumState, FSUM_WORDS, intSumState, ISUM_WORDS, minMaxState, MSQ_WORDS,
} from './decode-states.js';
import { pass, type GroupPass, type PassSpec } from './group-pass.js';
import { momentsStates } from './moments.js';
import { plainFromWords } from './plain-words.js';

interface Job {
  buffer: PooledBuffer;
  words: number;
  passes: PassSpec[];
  result: Uint32Array | null;
}

/** Jobs by key, so `mean(v)` and `sum(v)` share one sum and every request one count. */
class Jobs {
  readonly all = new Map<string, Job>();

  constructor(private readonly gp: GroupPass, private readonly groups: number) {}

  get(key: string, wordsPerGroup: number, passes: (buffer: PooledBuffer) => PassSpec[]): Job {
    let job = this.all.get(key);
    if (job === undefined) {
      const words = wordsPerGroup * this.groups;
      const buffer = this.gp.scratch(words * 4, `group-by ${key}`);
      job = { buffer, words, passes: passes(buffer), result: null };
      this.all.set(key, job);
    }
    return job;
  }

  async run(): Promise<void> {
    const jobs = [...this.all.values()].filter((j) => j.result === null);
    if (jobs.length === 0) return;
    await this.gp.encode('aggregate', jobs.map((j) => j.buffer), jobs.flatMap((j) => j.passes));
    for (const j of jobs) j.result = await this.gp.read(j.buffer, j.words);
  }
}

function isFloat(column: GpuTableColumn): boolean {
  return column.dtype === 'float32' || column.dtype === 'float64';
}

/**
 * The state of every request over the run's grouped rows, or why the GPU cannot give one
 * exactly (float values outside the fixed-point window).
 * @example
 * const states = await aggregateStates(run, table, groups, [{ fn: 'sum', column: 'v1' }]);
 */
export async function aggregateStates(
  run: GroupPass, table: GpuTable, groups: number, aggs: readonly AggRequest[],
): Promise<{ states: AggState[] } | { unsupported: string }> {
  // The widest per-group accumulator (var/std's squares) must fit one storage binding.
  if (groups * MSQ_WORDS * 4 > run.gpu.device.limits.maxStorageBufferBindingSize) {
    return { unsupported: `${groups} groups need accumulators larger than one storage binding` };
  }
  const jobs = new Jobs(run, groups);
  const count = (column: GpuTableColumn | null): Job =>
    jobs.get(`count:${column?.name ?? '*'}`, 1, (b) => [pass('count_main', b, { column, useValidity: column !== null })]);
  const sum = (column: GpuTableColumn): Job => isFloat(column)
    ? jobs.get(`fsum:${column.name}`, FSUM_WORDS, (b) => [pass('fsum_main', b, { column })])
    : jobs.get(`isum:${column.name}`, ISUM_WORDS, (b) => [pass('isum_main', b, { column })]);
  const plans = aggs.map((req) => {
    const column = req.fn === 'size' || req.column === null ? null : table.column(req.column);
    const n = count(column);
    switch (req.fn) {
      case 'min':
      case 'max': {
        const op = req.fn === 'min' ? 0 : 1;
        const mm = jobs.get(`${req.fn}:${column!.name}`, 3, (b) => [
          pass('minmax_hi_main', b, { column, op }),
          ...(is64Bit(column!.dtype) ? [pass('minmax_lo_main', b, { column, op })] : []),
        ]);
        return { req, column, n, main: mm, extra: null };
      }
      case 'first':
      case 'last': {
        const op = req.fn === 'first' ? 0 : 1;
        const rows = jobs.get(`${req.fn}-row:${column!.name}`, 1, (b) => [pass('pickrow_main', b, { column, op })]);
        const value = jobs.get(`${req.fn}:${column!.name}`, 2, (b) => [pass('gather_main', b, { column, op, aux: rows.buffer })]);
        return { req, column, n, main: value, extra: rows };
      }
      case 'sum':
      case 'mean':
      case 'var':
      case 'std':
        return { req, column, n, main: sum(column!), extra: null };
      default:
        return { req, column, n, main: null, extra: null };
    }
  });
  await jobs.run();
  const states: AggState[] = [];
  const moments: { at: number; column: GpuTableColumn; sum: AggState }[] = [];
  for (const { req, column, n, main, extra } of plans) {
    const counts = countState(n.result!);
    switch (req.fn) {
      case 'size':
      case 'count':
        states.push(counts);
        break;
      case 'min':
      case 'max':
        states.push(minMaxState(column!, req.fn, main!.result!));
        break;
      case 'first':
      case 'last': {
        const marks = extra!.result!;
        const words = main!.result!;
        const lo = new Uint32Array(groups);
        const hi = new Uint32Array(groups);
        for (let g = 0; g < groups; g++) {
          lo[g] = words[2 * g]!;
          hi[g] = words[2 * g + 1]!;
        }
        const valid = Uint8Array.from(marks, (m) => (m !== 0 ? 1 : 0));
        states.push({ kind: 'pick', fn: req.fn, values: plainFromWords(column!, lo, hi, valid) });
        break;
      }
      default: {
        let sumState: AggState;
        if (isFloat(column!)) {
          const { state, outOfRange } = floatSumState(main!.result!, counts.count);
          if (outOfRange > 0) {
            return {
              unsupported: `${outOfRange} value(s) of column '${column!.name}' lie outside the range the GPU group-by sums ` +
                'exactly ([2^-60, 2^90] in magnitude, no subnormals)',
            };
          }
          sumState = state;
        } else {
          sumState = intSumState(main!.result!, counts.count);
        }
        if (req.fn === 'var' || req.fn === 'std') moments.push({ at: states.length, column: column!, sum: sumState });
        states.push(sumState);
      }
    }
  }
  if (moments.length > 0) {
    const done = await momentsStates(run, groups, moments);
    for (const [i, m] of moments.entries()) states[m.at] = done[i]!;
  }
  return { states };
}
