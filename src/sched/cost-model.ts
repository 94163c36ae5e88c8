/**
 * The scheduler's cost model: for each (operator family, device) a line `time = overhead +
 * bytes / throughput`, seeded from calibration values and refitted as tasks finish. It is plain
 * data in and out (`toJSON` / `fromJSON`) so a client can keep one for its whole life.
 *
 * State flows one way: a `CostTable` (calibrated or default) becomes each line's prior; every
 * `observe` decays the line's weighted sums, adds the (clipped) sample and refits; `estimate`
 * only reads the cached fit, so the placement policy can call it per task for a few hundred ns.
 *
 * Two families are transfers rather than kernels, both on device 'gpu': `upload` (host → GPU)
 * and `download` (GPU → host). The placement policy charges them for data that must move.
 */
import { DuskError } from '../errors.js';

/** A device the model keeps lines for; 'sync' tasks run the CPU kernels and use 'cpu' lines. */
export type CostDevice = 'gpu' | 'cpu';

/** One line of the model: a fixed cost per task and a throughput after it. */
export interface CostLine {
  /** Fixed cost of one task, in µs (dispatch, posting to a worker, submit and fence). */
  overheadUs: number;
  /** Bytes of input processed per µs once the task runs (1000 bytes/µs = 1 GB/s). */
  bytesPerUs: number;
}

/** Calibration values: the starting point of every line. */
export interface CostTable {
  /** Lines measured for particular operator families, such as 'filter' or 'group-by'. */
  families: Record<string, Partial<Record<CostDevice, CostLine>>>;
  /** The line for a family or device the table does not name. */
  fallback: Record<CostDevice, CostLine>;
  /** Copying host memory to the GPU. */
  upload: CostLine;
  /** Reading GPU memory back to the host (mapAsync latency included). */
  download: CostLine;
}

/** A timed run, as `calibrate` takes it. */
export interface CostSample {
  family: string;
  device: CostDevice;
  bytes: number;
  ms: number;
}

/** The decayed weighted sums behind one line (weights are 1 / time², so the fit is relative). */
export interface CostFitState {
  observations: number;
  s0: number;
  s1: number;
  s2: number;
  t0: number;
  t1: number;
  /** Exponentially weighted mean |log(observed / predicted)|: how noisy the line's timings are. */
  spread: number;
}

/** What `toJSON` returns and `fromJSON` takes. */
export interface CostModelJSON {
  version: 1;
  table: CostTable;
  /** Keyed `family/device`. */
  fits: Record<string, CostFitState>;
}

export const UPLOAD = 'upload';
export const DOWNLOAD = 'download';

/**
 * Guesses used until a client calibrates: a worker-pool task costs ~50 µs and runs JS kernels at
 * ~0.5 GB/s; a GPU task costs ~300 µs (submit, fence, readback of a small result) and runs at
 * ~20 GB/s; uploads run at ~3 GB/s and downloads pay mapAsync's latency.
 */
export const DEFAULT_COSTS: CostTable = {
  families: {},
  fallback: { cpu: { overheadUs: 50, bytesPerUs: 500 }, gpu: { overheadUs: 300, bytesPerUs: 20_000 } },
  upload: { overheadUs: 60, bytesPerUs: 3_000 },
  download: { overheadUs: 400, bytesPerUs: 2_000 },
};

/** Each observation multiplies the weight of everything before it by this (a window of ~10). */
const DECAY = 0.9;
/** The prior's shape counts as this many observations at first, decaying like them to PRIOR_FLOOR. */
const PRIOR_WEIGHT = 2;
const PRIOR_FLOOR = 1e-3;
/** A sample further than max(CLIP_SPREADS × spread, CLIP_FLOOR) from the fit in log terms is clipped there. */
const CLIP_SPREADS = 3;
const CLIP_FLOOR = Math.log(1.5);
const SPREAD_RATE = 0.2;
const INITIAL_SPREAD = 0.5;
/** Slowest slope the fit may take: 1e-7 µs per byte, i.e. 10 TB/s (time that does not grow with bytes). */
const MIN_US_PER_BYTE = 1e-7;
const TINY_US = 1e-3;

interface Sums { s0: number; s1: number; s2: number; t0: number; t1: number }

interface Line {
  prior: CostLine;
  fit: CostFitState;
  overheadUs: number;
  usPerByte: number;
}

function checkLine(what: string, line: CostLine | undefined): void {
  if (line === undefined || !(line.overheadUs >= 0) || !(line.bytesPerUs > 0) || !Number.isFinite(line.overheadUs + line.bytesPerUs)) {
    throw new DuskError('BAD_COST_TABLE', `cost line for ${what} needs overheadUs >= 0 and bytesPerUs > 0, got ${JSON.stringify(line)}`);
  }
}

/** The table's line for `family` on `device`: the transfer lines, a family's own, else the fallback. */
function priorOf(table: CostTable, family: string, device: CostDevice): CostLine {
  if (device === 'gpu' && family === UPLOAD) return table.upload;
  if (device === 'gpu' && family === DOWNLOAD) return table.download;
  return table.families[family]?.[device] ?? table.fallback[device];
}

/** Adds a sample weighted by 1 / y², so residuals count relative to the time (small tasks matter). */
function addPoint(s: Sums, x: number, y: number): void {
  const w = 1 / (y * y);
  s.s0 += w; s.s1 += w * x; s.s2 += w * x * x; s.t0 += w * y; s.t1 += w * x * y;
}

/**
 * The line y = a + b·x through the samples in `s`, in relative least squares, pulled with weight
 * `lambda` toward the prior's shape scaled to the samples' level: the prior says how a time
 * splits between overhead and throughput (which samples at one size cannot), never how slow the
 * device is, so a prior ten times off does not hold the fit back. a >= 0, b >= MIN_US_PER_BYTE.
 */
function solve(s: Sums, prior: CostLine, lambda: number): { a: number; b: number } {
  const a0 = prior.overheadUs;
  const b0 = 1 / prior.bytesPerUs;
  if (!(s.s0 > 0)) return { a: a0, b: b0 };
  const k = s.t0 / (a0 * s.s0 + b0 * s.s1);
  // Solve for a = sa·α, b = sb·β, so both unknowns are about 1 and the system is well scaled.
  const sa = a0 > 0 ? k * a0 : 0.01 * (s.t0 / s.s0);
  const sb = k * b0;
  const [alpha0, beta0] = [(k * a0) / sa, 1];
  const m00 = s.s0 * sa * sa + lambda;
  const m01 = s.s1 * sa * sb;
  const m11 = s.s2 * sb * sb + lambda;
  const r0 = s.t0 * sa + lambda * alpha0;
  const r1 = s.t1 * sb + lambda * beta0;
  const det = m00 * m11 - m01 * m01;
  let alpha = det > 0 ? (r0 * m11 - r1 * m01) / det : alpha0;
  let beta = det > 0 ? (m00 * r1 - m01 * r0) / det : beta0;
  if (alpha < 0) {
    alpha = 0;
    beta = r1 / m11;
  }
  const minBeta = MIN_US_PER_BYTE / sb;
  if (!(beta >= minBeta)) {
    beta = minBeta;
    alpha = Math.max(0, (r0 - m01 * beta) / m00);
  }
  return { a: alpha * sa, b: beta * sb };
}

function refit(line: Line): void {
  const f = line.fit;
  const { a, b } = solve(f, line.prior, Math.max(PRIOR_FLOOR, PRIOR_WEIGHT * DECAY ** f.observations));
  line.overheadUs = a;
  line.usPerByte = b;
}

function checkSample(family: string, device: CostDevice, bytes: number, ms: number): void {
  if (!(bytes >= 0) || !(ms >= 0) || !Number.isFinite(bytes + ms)) {
    throw new DuskError('BAD_COST_SAMPLE', `a timing for ${family} on ${device} needs finite bytes >= 0 and ms >= 0, got ${bytes} bytes in ${ms} ms`);
  }
}

/**
 * Per (operator family, device) estimates of a task's time, refitted as tasks finish. The fit is
 * an exponentially weighted least-squares line in relative terms (small tasks count as much as
 * big ones); a sample far from the fit is clipped to a few times the line's usual noise, so one
 * stalled task (a GC pause, a page fault storm) moves it little while a lasting change still wins.
 *
 * @example
 * const model = new CostModel(calibrate(samples));
 * const ms = model.estimate('filter', 'gpu', 8 << 20);
 * model.observe('filter', 'gpu', 8 << 20, measuredMs);
 */
export class CostModel {
  private readonly lines = new Map<string, Line>();
  private readonly table: CostTable;

  constructor(table: CostTable = DEFAULT_COSTS) {
    for (const d of ['cpu', 'gpu'] as const) checkLine(`the fallback on ${d}`, table.fallback?.[d]);
    checkLine(UPLOAD, table.upload);
    checkLine(DOWNLOAD, table.download);
    for (const [family, lines] of Object.entries(table.families ?? {})) {
      for (const d of ['cpu', 'gpu'] as const) if (lines[d] !== undefined) checkLine(`${family} on ${d}`, lines[d]);
    }
    this.table = { ...structuredClone(table), families: structuredClone(table.families ?? {}) };
  }

  /** Estimated time of one task of `family` over `bytes` of input on `device`, in ms. */
  estimate(family: string, device: CostDevice, bytes: number): number {
    const line = this.line(family, device);
    return (line.overheadUs + bytes * line.usPerByte) / 1000;
  }

  /** The current fit for `family` on `device`. */
  current(family: string, device: CostDevice): CostLine {
    const line = this.line(family, device);
    return { overheadUs: line.overheadUs, bytesPerUs: 1 / line.usPerByte };
  }

  /** How many tasks of `family` on `device` this model has observed (0: it rests on its prior). */
  observed(family: string, device: CostDevice): number {
    return this.lines.get(`${family}/${device}`)?.fit.observations ?? 0;
  }

  /** Records that a task of `family` over `bytes` took `ms` on `device`, and refits that line. */
  observe(family: string, device: CostDevice, bytes: number, ms: number): void {
    checkSample(family, device, bytes, ms);
    const line = this.line(family, device);
    const f = line.fit;
    const predicted = Math.max(TINY_US, line.overheadUs + bytes * line.usPerByte);
    const clip = Math.max(CLIP_SPREADS * f.spread, CLIP_FLOOR);
    const ratio = Math.min(clip, Math.max(-clip, Math.log(Math.max(ms * 1000, TINY_US) / predicted)));
    f.spread += SPREAD_RATE * (Math.abs(ratio) - f.spread);
    f.s0 *= DECAY; f.s1 *= DECAY; f.s2 *= DECAY; f.t0 *= DECAY; f.t1 *= DECAY;
    addPoint(f, bytes, predicted * Math.exp(ratio));
    f.observations++;
    refit(line);
  }

  /** Plain data for `fromJSON`. */
  toJSON(): CostModelJSON {
    const fits: Record<string, CostFitState> = {};
    for (const [key, line] of this.lines) if (line.fit.observations > 0) fits[key] = { ...line.fit };
    return { version: 1, table: structuredClone(this.table), fits };
  }

  /** The model `toJSON` described. */
  static fromJSON(data: CostModelJSON): CostModel {
    if (data?.version !== 1 || typeof data.fits !== 'object' || data.fits === null) {
      throw new DuskError('BAD_COST_MODEL', `not a version 1 cost model: ${JSON.stringify(data)?.slice(0, 80)}`);
    }
    const model = new CostModel(data.table);
    for (const [key, fit] of Object.entries(data.fits)) {
      const slash = key.lastIndexOf('/');
      const device = key.slice(slash + 1);
      const values = [fit.observations, fit.s0, fit.s1, fit.s2, fit.t0, fit.t1, fit.spread];
      if ((device !== 'cpu' && device !== 'gpu') || slash < 1 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new DuskError('BAD_COST_MODEL', `cost model fit '${key}' is malformed: ${JSON.stringify(fit)}`);
      }
      const line = model.line(key.slice(0, slash), device);
      line.fit = { ...fit };
      refit(line);
    }
    return model;
  }

  private line(family: string, device: CostDevice): Line {
    const key = `${family}/${device}`;
    let line = this.lines.get(key);
    if (line === undefined) {
      const prior = priorOf(this.table, family, device);
      line = {
        prior,
        fit: { observations: 0, s0: 0, s1: 0, s2: 0, t0: 0, t1: 0, spread: INITIAL_SPREAD },
        overheadUs: prior.overheadUs,
        usPerByte: 1 / prior.bytesPerUs,
      };
      this.lines.set(key, line);
    }
    return line;
  }
}

/**
 * Fits a `CostTable` from a few timed runs per (family, device): the median time at each input
 * size (so a warm-up run does not count), then a relative least-squares line through those. From
 * a single size, the line keeps `base`'s split between overhead and throughput, scaled to pass
 * through the measured time. Samples for `upload` / `download` on 'gpu' set the transfer lines.
 *
 * @example
 * const samples = [];
 * for (const bytes of [1 << 10, 1 << 20, 1 << 24]) samples.push({ family: 'filter', device: 'cpu', bytes, ms: await timeIt(bytes) });
 * const model = new CostModel(calibrate(samples));
 */
export function calibrate(samples: readonly CostSample[], base: CostTable = DEFAULT_COSTS): CostTable {
  const groups = new Map<string, Map<number, number[]>>();
  for (const s of samples) {
    checkSample(s.family, s.device, s.bytes, s.ms);
    const key = `${s.family}/${s.device}`;
    const sizes = groups.get(key) ?? new Map<number, number[]>();
    groups.set(key, sizes);
    sizes.set(s.bytes, [...(sizes.get(s.bytes) ?? []), s.ms * 1000]);
  }
  const table: CostTable = structuredClone(base);
  for (const [key, sizes] of groups) {
    const slash = key.lastIndexOf('/');
    const family = key.slice(0, slash);
    const device = key.slice(slash + 1) as CostDevice;
    const prior = priorOf(base, family, device);
    const sums = { s0: 0, s1: 0, s2: 0, t0: 0, t1: 0 };
    for (const [x, ys] of sizes) addPoint(sums, x, Math.max(TINY_US, median(ys)));
    // A vanishing pull toward the prior only decides what one size leaves open.
    const { a, b } = solve(sums, prior, 1e-9);
    const line = { overheadUs: a, bytesPerUs: 1 / b };
    if (device === 'gpu' && family === UPLOAD) table.upload = line;
    else if (device === 'gpu' && family === DOWNLOAD) table.download = line;
    else table.families[family] = { ...table.families[family], [device]: line };
  }
  return table;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
