/**
 * The placement loop on synthetic cost tables: probes measure each device first, then tasks go
 * where they finish soonest given the queues, both devices drain the same ready tasks when both
 * are fast, software GPUs and forced modes are obeyed, and finished tasks update the model.
 */
import { describe, expect, it } from 'vitest';
import { CostModel, type CostTable } from '../../src/sched/cost-model.js';
import { Placer, type PlacedTask, type PlacerOptions } from '../../src/sched/placer.js';

const MB = 2 ** 20;

function table(cpuBytesPerUs: number, gpuBytesPerUs: number): CostTable {
  return {
    families: { 'group-by': { cpu: { overheadUs: 50, bytesPerUs: cpuBytesPerUs }, gpu: { overheadUs: 300, bytesPerUs: gpuBytesPerUs } } },
    fallback: { cpu: { overheadUs: 50, bytesPerUs: 500 }, gpu: { overheadUs: 300, bytesPerUs: 20_000 } },
    upload: { overheadUs: 60, bytesPerUs: 20_000 },
    download: { overheadUs: 400, bytesPerUs: 20_000 },
  };
}

function placer(model: CostModel, options: Partial<PlacerOptions> = {}): Placer {
  return new Placer({ mode: 'auto', gpuAvailable: true, gpuSoftware: false, cpuWorkers: 2, model, ...options });
}

function task(i: number, bytes = 16 * MB) {
  return { family: 'group-by', bytes, residentOn: null, supported: true, label: `groupBy, partition ${i}` } as const;
}

/** Observations that make the model sure of both lines (ms per task at 16 MB). */
function measured(model: CostModel, cpuMs: number, gpuMs: number): CostModel {
  for (let i = 0; i < 20; i++) {
    model.observe('group-by', 'cpu', 16 * MB, cpuMs);
    model.observe('group-by', 'gpu', 16 * MB, gpuMs);
  }
  return model;
}

describe('Placer', () => {
  it('sends the first task of a family to each device once, to measure it', () => {
    const model = new CostModel(table(500, 20_000));
    const p = placer(model);
    const a = p.place(task(0));
    const b = p.place(task(1));
    expect(new Set([a.device, b.device])).toEqual(new Set(['gpu', 'cpu']));
    expect(a.probe && b.probe).toBe(true);
    expect(a.why).toMatch(/a first group-by task measures this device/);
    // While the probes run, the next task is placed on the estimates alone.
    expect(p.place(task(2)).probe).toBe(false);
    p.finish(a, 10);
    p.finish(b, 40);
    expect(model.observed('group-by', 'gpu') + model.observed('group-by', 'cpu')).toBe(2);
    expect(p.place(task(3)).probe).toBe(false);
  });

  it('keeps every task on a much faster GPU, and shares them when both are about as fast', () => {
    const fastGpu = placer(measured(new CostModel(table(500, 20_000)), 40, 1));
    const placed: PlacedTask[] = [];
    for (let i = 0; i < 12; i++) placed.push(fastGpu.place(task(i)));
    expect(placed.every((t) => t.device === 'gpu')).toBe(true);
    expect(fastGpu.queues()).toEqual({ cpu: 0, gpu: 12 });

    // The GPU takes 10 ms a task, each of two CPU workers 20 ms: a ready queue of 12 goes about
    // half to each (the GPU finishes 6 in the time the CPU does 3 + 3).
    const even = placer(measured(new CostModel(table(500, 20_000)), 20, 10));
    const devices = Array.from({ length: 12 }, (_, i) => even.place(task(i)).device);
    const onGpu = devices.filter((d) => d === 'gpu').length;
    expect(onGpu).toBeGreaterThanOrEqual(5);
    expect(onGpu).toBeLessThanOrEqual(8);
    expect(devices).toContain('cpu');
  });

  it('keeps small inputs on the CPU, where the GPU fixed cost dominates', () => {
    const p = placer(measured(new CostModel(table(500, 20_000)), 40, 2));
    expect(p.place(task(0, 1024)).device).toBe('cpu');
  });

  it('never uses a software GPU in auto, and obeys forced modes', () => {
    const model = measured(new CostModel(table(500, 20_000)), 40, 1);
    const software = placer(model, { gpuSoftware: true });
    const s = software.place(task(0));
    expect(s.device).toBe('cpu');
    expect(s.why).toMatch(/software rasterizer/);
    expect(placer(model, { mode: 'gpu', gpuSoftware: true }).place(task(0)).device).toBe('gpu');
    expect(placer(model, { mode: 'cpu' }).place(task(0)).device).toBe('cpu');
    expect(placer(model, { gpuAvailable: false }).place(task(0)).device).toBe('cpu');
    expect(placer(model).place({ ...task(0), supported: false }).device).toBe('cpu');
  });

  it('learns from finished tasks on the device they really ran on, not from main-thread or failed ones', () => {
    const model = new CostModel(table(500, 20_000));
    const p = placer(model, { mode: 'gpu' });
    const a = p.place(task(0));
    p.finish(a, 12, 'cpu'); // the GPU sent it back: a CPU time
    expect(model.observed('group-by', 'cpu')).toBe(1);
    expect(model.observed('group-by', 'gpu')).toBe(0);
    p.finish(p.place(task(1)), null);
    p.finish(p.place(task(2)), 5, 'sync');
    expect(model.observed('group-by', 'gpu')).toBe(0);
    expect(p.queues()).toEqual({ cpu: 0, gpu: 0 });
  });

  it('keeps the latest 100 decisions with their reasons', () => {
    const log: string[] = [];
    const p = placer(new CostModel(table(500, 20_000)), { mode: 'cpu', log });
    for (let i = 0; i < 130; i++) p.finish(p.place(task(i)), 1);
    expect(log).toHaveLength(100);
    expect(log[0]).toBe("groupBy, partition 30: cpu: scheduler 'cpu'");
    expect(log[99]).toBe("groupBy, partition 129: cpu: scheduler 'cpu'");
  });
});
