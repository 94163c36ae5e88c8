/**
 * The work of one join submit, recorded in order and encoded at once: dispatches (consecutive
 * ones share a compute pass and a `DispatchList`'s one uniform buffer), buffer clears and
 * copies, and prepared scans. Clears and copies cannot sit inside a compute pass, so each one
 * closes the pass before it.
 */
import type { GpuContext } from '../../gpu-context.js';
import { DispatchList, type PreparedScan } from '../scan.js';

type Step =
  | { kind: 'dispatches'; list: DispatchList; paramsBinding: number }
  | { kind: 'clear'; buffer: GPUBuffer; bytes: number }
  | { kind: 'copy'; from: GPUBuffer; fromOffset: number; to: GPUBuffer; toOffset: number; bytes: number }
  | { kind: 'scan'; scan: PreparedScan };

/**
 * Steps of one submit; `release()` after the submit gives back their uniforms and scan buffers.
 * @example
 * const steps = new StepList(gpu, 'join probe');
 * steps.clear(acc.buffer, 16);
 * steps.dispatch(pipeline, 18, [[8, binding]], [rows], groups);
 * try { await steps.submit(); } finally { steps.release(); }
 */
export class StepList {
  private readonly steps: Step[] = [];

  constructor(private readonly gpu: GpuContext, readonly label: string) {}

  /** A dispatch of `groups` workgroups (none when 0) whose parameters go to `@binding(paramsBinding)`. */
  dispatch(
    pipeline: GPUComputePipeline,
    paramsBinding: number,
    bindings: ReadonlyArray<readonly [number, GPUBufferBinding]>,
    params: readonly number[],
    groups: number,
  ): void {
    const last = this.steps.at(-1);
    let list: DispatchList;
    if (last?.kind === 'dispatches' && last.paramsBinding === paramsBinding) {
      list = last.list;
    } else {
      list = new DispatchList(this.gpu, paramsBinding, this.label);
      this.steps.push({ kind: 'dispatches', list, paramsBinding });
    }
    list.add(pipeline, bindings, params, groups);
  }

  /** Zeroes the first `bytes` bytes of `buffer` (a multiple of 4). */
  clear(buffer: GPUBuffer, bytes: number): void {
    this.steps.push({ kind: 'clear', buffer, bytes });
  }

  copy(from: GPUBuffer, fromOffset: number, to: GPUBuffer, toOffset: number, bytes: number): void {
    if (bytes > 0) this.steps.push({ kind: 'copy', from, fromOffset, to, toOffset, bytes });
  }

  /** Runs a prepared scan here; the list releases it. */
  scan(scan: PreparedScan): void {
    this.steps.push({ kind: 'scan', scan });
  }

  async submit(): Promise<void> {
    await this.gpu.submit(this.label, (encoder) => {
      for (const step of this.steps) {
        switch (step.kind) {
          case 'dispatches': {
            const pass = encoder.beginComputePass({ label: this.label });
            step.list.encode(pass);
            pass.end();
            break;
          }
          case 'clear':
            encoder.clearBuffer(step.buffer, 0, step.bytes);
            break;
          case 'copy':
            encoder.copyBufferToBuffer(step.from, step.fromOffset, step.to, step.toOffset, step.bytes);
            break;
          case 'scan':
            step.scan.encode(encoder);
            break;
        }
      }
    });
  }

  release(): void {
    for (const step of this.steps.splice(0)) {
      if (step.kind === 'dispatches') step.list.release();
      else if (step.kind === 'scan') step.scan.release();
    }
  }
}
