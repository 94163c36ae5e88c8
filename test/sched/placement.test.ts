import { describe, expect, it } from 'vitest';
import { DuskError } from '../../src/errors.js';
import { CostModel, DEFAULT_COSTS, type CostTable } from '../../src/sched/cost-model.js';
import { place, type PlacedDevice, type PlacementState, type PlacementTask } from '../../src/sched/placement.js';

/** A GPU with a big fixed cost and 40× the CPU's throughput; reading it back costs mapAsync's latency. */
const TABLE: CostTable = {
  families: {},
  fallback: { cpu: { overheadUs: 50, bytesPerUs: 500 }, gpu: { overheadUs: 400, bytesPerUs: 20_000 } },
  upload: { overheadUs: 60, bytesPerUs: 2_000 },
  download: { overheadUs: 800, bytesPerUs: 2_000 },
};

const IDLE: PlacementState = { mode: 'auto', gpuAvailable: true, gpuSoftware: false, cpuQueue: 0, gpuQueue: 0, cpuWorkers: 2, supported: true };
const SIZES = Array.from({ length: 31 }, (_, i) => 2 ** i); // 1 B .. 1 GiB

function task(bytes: number, residentOn: PlacementTask['residentOn'] = 'host'): PlacementTask {
  return { family: 'filter', bytes, residentOn };
}

/**
 * Drains `count` equal ready tasks: the executor keeps up to `window` of them placed and
 * unfinished, placing the next as one finishes; each device runs its FIFO queue on its lanes
 * (the CPU's workers, the GPU's one queue) for the model's estimated time. Returns how many ran
 * where and when the last one finished.
 */
function drain(model: CostModel, t: PlacementTask, count: number, window: number): { gpu: number; cpu: number; makespan: number } {
  const lanes = { cpu: IDLE.cpuWorkers, gpu: 1 };
  const duration = {
    cpu: model.estimate(t.family, 'cpu', t.bytes) + (t.residentOn === 'gpu' ? model.estimate('download', 'gpu', t.bytes) : 0),
    gpu: model.estimate(t.family, 'gpu', t.bytes) + (t.residentOn === 'gpu' ? 0 : model.estimate('upload', 'gpu', t.bytes)),
  };
  const waiting = { cpu: 0, gpu: 0 };
  const running: { device: 'cpu' | 'gpu'; end: number }[] = [];
  const ran = { cpu: 0, gpu: 0 };
  let now = 0;
  let placed = 0;
  while (placed < count || running.length > 0 || waiting.cpu + waiting.gpu > 0) {
    while (placed < count && running.length + waiting.cpu + waiting.gpu < window) {
      const queue = (d: 'cpu' | 'gpu'): number => waiting[d] + running.filter((r) => r.device === d).length;
      const { device } = place(t, { ...IDLE, cpuQueue: queue('cpu'), gpuQueue: queue('gpu') }, model);
      if (device === 'sync') throw new Error('auto placed a task on sync');
      waiting[device]++;
      ran[device]++;
      placed++;
    }
    for (const d of ['cpu', 'gpu'] as const) {
      while (waiting[d] > 0 && running.filter((r) => r.device === d).length < lanes[d]) {
        waiting[d]--;
        running.push({ device: d, end: now + duration[d] });
      }
    }
    running.sort((a, b) => a.end - b.end);
    now = running.shift()!.end;
  }
  return { ...ran, makespan: now };
}

describe('place', () => {
  const model = new CostModel(TABLE);

  it('keeps small inputs from the host or from storage on the CPU, and sends big ones to the GPU', () => {
    for (const residentOn of ['host', null] as const) {
      const devices = SIZES.map((b) => place(task(b, residentOn), IDLE, model).device);
      const firstGpu = devices.indexOf('gpu');
      // The GPU's fixed cost and the upload keep up to 128 KiB on the CPU; the crossover is ~280 KB.
      expect(devices.slice(0, 18).every((d) => d === 'cpu')).toBe(true);
      expect(firstGpu).toBe(19);
      expect(devices.slice(firstGpu).every((d) => d === 'gpu')).toBe(true); // one crossover, then the GPU
    }
    const small = place(task(1024), IDLE, model);
    expect(small.why).toMatch(/^cpu: est\. 0\.05\d* ms vs gpu 0\.46 ms \(queues gpu 0, cpu 0, gpu incl\. upload 0\.061 ms\)$/);
  });

  it('keeps GPU-resident inputs on the GPU at every size', () => {
    for (const b of [0, ...SIZES]) {
      const p = place(task(b, 'gpu'), IDLE, model);
      expect(p.device).toBe('gpu');
      expect(p.why).toContain('cpu incl. download');
    }
    // ... unless the GPU's queue is so deep that reading the data back and using the CPU is sooner.
    expect(place(task(1 << 10, 'gpu'), { ...IDLE, gpuQueue: 10 }, model).device).toBe('cpu');
  });

  it('gives both devices a share near their throughput ratio when both are fast', () => {
    const t = task(4 << 20); // cpu: 8.4 ms on each of 2 workers; gpu: 2.8 ms with the upload
    const cpuRate = IDLE.cpuWorkers / (model.estimate('filter', 'cpu', t.bytes));
    const gpuRate = 1 / (model.estimate('filter', 'gpu', t.bytes) + model.estimate('upload', 'gpu', t.bytes));
    // Windows of at least the lanes (2 workers + 1 GPU queue) + 3, as placement.ts asks.
    for (const window of [6, 16, 1000]) {
      const { gpu, cpu, makespan } = drain(model, t, 600, window);
      expect(gpu + cpu).toBe(600);
      expect(gpu / 600).toBeGreaterThan(gpuRate / (gpuRate + cpuRate) - 0.05);
      expect(gpu / 600).toBeLessThan(gpuRate / (gpuRate + cpuRate) + 0.05);
      // Sharing beats either device alone, and is within a few tasks of the ideal split.
      expect(makespan).toBeLessThan(600 / gpuRate);
      expect(makespan).toBeLessThan(600 / (gpuRate + cpuRate) + 3 * model.estimate('filter', 'cpu', t.bytes));
    }
  });

  it('leaves the CPU idle when the GPU is far faster, and the GPU idle when it is far slower', () => {
    const fastGpu = new CostModel({ ...TABLE, fallback: { ...TABLE.fallback, gpu: { overheadUs: 10, bytesPerUs: 1_000_000 } } });
    expect(drain(fastGpu, task(4 << 20, 'gpu'), 200, 8).cpu).toBe(0);
    const slowGpu = new CostModel({ ...TABLE, fallback: { ...TABLE.fallback, gpu: { overheadUs: 400, bytesPerUs: 5 } } });
    expect(drain(slowGpu, task(4 << 20), 200, 8).gpu).toBe(0);
  });

  it('follows what the model learns: a GPU measured slow for a family loses its tasks', () => {
    const learning = new CostModel(TABLE);
    const t = task(16 << 20);
    expect(place(t, IDLE, learning).device).toBe('gpu');
    for (let i = 0; i < 40; i++) learning.observe('filter', 'gpu', t.bytes, 200);
    expect(place(t, IDLE, learning).device).toBe('cpu');
    expect(place({ ...t, family: 'reduce' }, IDLE, learning).device).toBe('gpu');
  });

  it('obeys forced modes, a GPU without a kernel or without an adapter sending the task to the CPU', () => {
    const cases: [Partial<PlacementState>, PlacementTask, PlacedDevice, RegExp][] = [
      [{ mode: 'cpu' }, task(1 << 30), 'cpu', /^cpu: scheduler 'cpu'$/],
      [{ mode: 'sync' }, task(1 << 30, 'gpu'), 'sync', /^sync: scheduler 'sync'$/],
      [{ mode: 'gpu' }, task(1), 'gpu', /^gpu: scheduler 'gpu'; est\. .* ms vs cpu .* ms/],
      [{ mode: 'gpu', gpuSoftware: true }, task(1), 'gpu', /^gpu: scheduler 'gpu'/],
      [{ mode: 'gpu', supported: false }, task(1 << 30, 'gpu'), 'cpu', /^cpu: no GPU kernel for filter \(scheduler 'gpu'\)$/],
      [{ mode: 'gpu', gpuAvailable: false }, task(1 << 30), 'cpu', /^cpu: no GPU adapter \(scheduler 'gpu'\)$/],
      [{ mode: 'gpu' }, { ...task(1 << 30), forced: 'cpu' }, 'cpu', /^cpu: forced for this task$/],
      [{ mode: 'cpu' }, { ...task(1), forced: 'gpu' }, 'gpu', /^gpu: forced for this task; est\./],
      [{ mode: 'auto' }, { ...task(1), forced: 'sync' }, 'sync', /^sync: forced for this task$/],
      [{ mode: 'cpu', supported: false }, { ...task(1), forced: 'gpu' }, 'cpu', /^cpu: no GPU kernel for filter \(forced for this task\)$/],
    ];
    for (const [state, t, device, why] of cases) {
      const p = place(t, { ...IDLE, ...state }, model);
      expect(p.device).toBe(device);
      expect(p.why).toMatch(why);
    }
  });

  it("never uses a software GPU, a missing one or one without the kernel in 'auto'", () => {
    const huge = task(1 << 30, 'gpu');
    expect(place(huge, IDLE, model).device).toBe('gpu');
    expect(place(huge, { ...IDLE, gpuSoftware: true }, model)).toEqual({
      device: 'cpu',
      why: "cpu: the GPU is a software rasterizer (scheduler 'gpu' forces it)",
    });
    expect(place(huge, { ...IDLE, supported: false }, model)).toEqual({ device: 'cpu', why: 'cpu: no GPU kernel for filter' });
    expect(place(huge, { ...IDLE, gpuAvailable: false }, model)).toEqual({ device: 'cpu', why: 'cpu: no GPU adapter' });
  });

  it('shows the numbers of the example in its documentation', () => {
    const p = place(
      { family: 'filter', bytes: 64 << 20, residentOn: 'host' },
      { ...IDLE, cpuQueue: 4 },
      new CostModel(DEFAULT_COSTS),
    );
    expect(p).toEqual({ device: 'gpu', why: 'gpu: est. 26.1 ms vs cpu 336 ms (queues gpu 0, cpu 4, gpu incl. upload 22.4 ms)' });
  });

  it('rejects impossible inputs with a DuskError naming the family', () => {
    for (const [t, s] of [
      [task(-1), IDLE],
      [task(NaN), IDLE],
      [task(1), { ...IDLE, cpuWorkers: 0 }],
      [task(1), { ...IDLE, gpuQueue: -1 }],
    ] as [PlacementTask, PlacementState][]) {
      expect(() => place(t, s, model)).toThrow(DuskError);
      expect(() => place(t, s, model)).toThrow(/filter task/);
    }
  });
});
