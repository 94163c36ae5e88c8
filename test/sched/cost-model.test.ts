import { describe, expect, it } from 'vitest';
import { DuskError } from '../../src/errors.js';
import { calibrate, CostModel, DEFAULT_COSTS, type CostLine, type CostSample, type CostTable } from '../../src/sched/cost-model.js';
import { Random, testSeed } from '../util/random.js';

const seed = testSeed();

function truth(line: CostLine, bytes: number): number {
  return (line.overheadUs + bytes / line.bytesPerUs) / 1000;
}

/** Sizes spread evenly in log terms over 1 KiB .. 64 MiB. */
function size(rng: Random): number {
  return Math.round(2 ** (10 + rng.next() * 16));
}

/** A timing with ±`noise` relative jitter. */
function noisy(rng: Random, ms: number, noise: number): number {
  return ms * (1 + noise * (2 * rng.next() - 1));
}

function expectClose(actual: number, expected: number, relative: number): void {
  expect(Math.abs(actual - expected) / expected).toBeLessThan(relative);
}

const SIZES = [0, 1 << 10, 1 << 16, 1 << 20, 1 << 24, 1 << 28];

describe(`CostModel (seed ${seed})`, () => {
  it('starts from the table: family lines, the fallback and the transfer lines', () => {
    const table: CostTable = { ...DEFAULT_COSTS, families: { filter: { gpu: { overheadUs: 100, bytesPerUs: 10_000 } } } };
    const model = new CostModel(table);
    expect(model.estimate('filter', 'gpu', 1_000_000)).toBeCloseTo(0.2, 12);
    expect(model.estimate('filter', 'cpu', 1_000_000)).toBeCloseTo(truth(DEFAULT_COSTS.fallback.cpu, 1_000_000), 12);
    expect(model.estimate('group-by', 'gpu', 0)).toBeCloseTo(DEFAULT_COSTS.fallback.gpu.overheadUs / 1000, 12);
    expect(model.estimate('upload', 'gpu', 3_000_000)).toBeCloseTo(truth(DEFAULT_COSTS.upload, 3_000_000), 12);
    expect(model.estimate('download', 'gpu', 2_000)).toBeCloseTo(truth(DEFAULT_COSTS.download, 2_000), 12);
  });

  it('converges to the true line from noisy timings, starting far from it', () => {
    const rng = new Random(seed);
    const real: CostLine = { overheadUs: 800, bytesPerUs: 4_000 }; // default guess: 300 µs, 20 GB/s
    const model = new CostModel();
    for (let i = 0; i < 300; i++) {
      const bytes = size(rng);
      model.observe('filter', 'gpu', bytes, noisy(rng, truth(real, bytes), 0.1));
    }
    for (const bytes of SIZES) expectClose(model.estimate('filter', 'gpu', bytes), truth(real, bytes), 0.1);
    const fit = model.current('filter', 'gpu');
    expectClose(fit.overheadUs, real.overheadUs, 0.15);
    expectClose(fit.bytesPerUs, real.bytesPerUs, 0.15);
    // The other device's line and other families are untouched.
    expect(model.current('filter', 'cpu')).toEqual(DEFAULT_COSTS.fallback.cpu);
  });

  it('moves little for one outlier, slow or instant, and recovers', () => {
    const rng = new Random(seed + 1);
    const real: CostLine = { overheadUs: 40, bytesPerUs: 600 };
    const model = new CostModel();
    const feed = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const bytes = size(rng);
        model.observe('group-by', 'cpu', bytes, noisy(rng, truth(real, bytes), 0.05));
      }
    };
    feed(200);
    for (const outlier of [50, 0]) {
      const bytes = 1 << 20;
      model.observe('group-by', 'cpu', bytes, outlier * truth(real, bytes));
      for (const b of SIZES) expectClose(model.estimate('group-by', 'cpu', b), truth(real, b), 0.15);
      feed(30);
      for (const b of SIZES) expectClose(model.estimate('group-by', 'cpu', b), truth(real, b), 0.06);
    }
  });

  it('follows a lasting change despite clipping', () => {
    const model = new CostModel({ ...DEFAULT_COSTS, families: { sort: { cpu: { overheadUs: 50, bytesPerUs: 500 } } } });
    const slower: CostLine = { overheadUs: 50, bytesPerUs: 50 }; // ten times slower than calibrated
    const rng = new Random(seed + 2);
    for (let i = 0; i < 120; i++) {
      const bytes = size(rng);
      model.observe('sort', 'cpu', bytes, truth(slower, bytes));
    }
    for (const b of SIZES) expectClose(model.estimate('sort', 'cpu', b), truth(slower, b), 0.05);
  });

  it('fits the observed size exactly when every task has the same size', () => {
    const model = new CostModel();
    for (let i = 0; i < 400; i++) model.observe('reduce', 'cpu', 4096, 0.2);
    expectClose(model.estimate('reduce', 'cpu', 4096), 0.2, 0.01);
    // One size cannot split the time into overhead and throughput: the prior's split is kept.
    const fit = model.current('reduce', 'cpu');
    const prior = DEFAULT_COSTS.fallback.cpu;
    expectClose(fit.overheadUs * fit.bytesPerUs, prior.overheadUs * prior.bytesPerUs, 0.01);
  });

  it('round-trips through JSON, fits included', () => {
    const rng = new Random(seed + 3);
    const model = new CostModel();
    for (let i = 0; i < 40; i++) {
      const bytes = size(rng);
      model.observe('filter', i % 2 === 0 ? 'cpu' : 'gpu', bytes, noisy(rng, bytes / 1e6, 0.3));
      model.observe('upload', 'gpu', bytes, noisy(rng, bytes / 2e6, 0.3));
    }
    const copy = CostModel.fromJSON(JSON.parse(JSON.stringify(model)) as ReturnType<CostModel['toJSON']>);
    for (const [family, device] of [['filter', 'cpu'], ['filter', 'gpu'], ['upload', 'gpu'], ['join', 'gpu']] as const) {
      for (const b of SIZES) expect(copy.estimate(family, device, b)).toBe(model.estimate(family, device, b));
    }
    model.observe('filter', 'gpu', 12345, 3);
    copy.observe('filter', 'gpu', 12345, 3);
    expect(copy.toJSON()).toEqual(model.toJSON());
    expect(model.estimate('filter', 'gpu', 1 << 20)).not.toBe(new CostModel().estimate('filter', 'gpu', 1 << 20));
  });

  it('rejects bad tables, samples and JSON with a DuskError', () => {
    const bad = (f: () => unknown, code: string): void => {
      expect(f).toThrow(DuskError);
      expect(f).toThrow(expect.objectContaining({ code }) as Error);
    };
    bad(() => new CostModel({ ...DEFAULT_COSTS, upload: { overheadUs: 1, bytesPerUs: 0 } }), 'BAD_COST_TABLE');
    bad(() => new CostModel({ ...DEFAULT_COSTS, families: { sort: { cpu: { overheadUs: -1, bytesPerUs: 1 } } } }), 'BAD_COST_TABLE');
    const model = new CostModel();
    bad(() => model.observe('filter', 'cpu', 10, NaN), 'BAD_COST_SAMPLE');
    bad(() => model.observe('filter', 'cpu', -1, 1), 'BAD_COST_SAMPLE');
    bad(() => CostModel.fromJSON({ version: 2 } as unknown as ReturnType<CostModel['toJSON']>), 'BAD_COST_MODEL');
    const json = model.toJSON();
    bad(() => CostModel.fromJSON({ ...json, table: { upload: json.table.upload } as CostTable }), 'BAD_COST_TABLE');
    bad(() => CostModel.fromJSON({ ...json, fits: { 'filter/tpu': { observations: 1, s0: 1, s1: 1, s2: 1, t0: 1, t1: 1, spread: 0 } } }), 'BAD_COST_MODEL');
    expect(model.estimate('filter', 'cpu', 10)).toBe(new CostModel().estimate('filter', 'cpu', 10));
  });
});

describe(`calibrate (seed ${seed})`, () => {
  it('fits each family and device from a few runs, ignoring a slow warm-up run', () => {
    const rng = new Random(seed + 4);
    const lines = { filter: { overheadUs: 30, bytesPerUs: 700 }, upload: { overheadUs: 90, bytesPerUs: 2500 } };
    const samples: CostSample[] = [];
    for (const bytes of [1 << 12, 1 << 18, 1 << 24]) {
      samples.push({ family: 'filter', device: 'cpu', bytes, ms: 20 * truth(lines.filter, bytes) }); // warm-up
      samples.push({ family: 'upload', device: 'gpu', bytes, ms: 20 * truth(lines.upload, bytes) });
      for (let r = 0; r < 4; r++) {
        samples.push({ family: 'filter', device: 'cpu', bytes, ms: noisy(rng, truth(lines.filter, bytes), 0.02) });
        samples.push({ family: 'upload', device: 'gpu', bytes, ms: noisy(rng, truth(lines.upload, bytes), 0.02) });
      }
    }
    const table = calibrate(samples);
    expectClose(table.families.filter!.cpu!.overheadUs, 30, 0.1);
    expectClose(table.families.filter!.cpu!.bytesPerUs, 700, 0.05);
    expect(table.families.filter!.gpu).toBeUndefined();
    expectClose(table.upload.overheadUs, 90, 0.1);
    expectClose(table.upload.bytesPerUs, 2500, 0.05);
    expect(table.families.upload).toBeUndefined();
    expect(table.fallback).toEqual(DEFAULT_COSTS.fallback);
    expect(DEFAULT_COSTS.families).toEqual({});
  });

  it("keeps the base's overhead-to-throughput split from a single size, scaled to the time measured", () => {
    for (const [device, bytes, ms] of [['gpu', 1_000_000, 1.3], ['cpu', 100, 0.01], ['cpu', 0, 0.07], ['gpu', 1 << 24, 0.01]] as const) {
      const line = calibrate([{ family: 'sort', device, bytes, ms }, { family: 'sort', device, bytes, ms: 100 * ms }, { family: 'sort', device, bytes, ms }]).families.sort![device]!;
      const base = DEFAULT_COSTS.fallback[device];
      expect(line.overheadUs * line.bytesPerUs).toBeCloseTo(base.overheadUs * base.bytesPerUs, 0);
      expect(new CostModel({ ...DEFAULT_COSTS, families: { sort: { [device]: line } } }).estimate('sort', device, bytes)).toBeCloseTo(ms, 6);
    }
  });
});
