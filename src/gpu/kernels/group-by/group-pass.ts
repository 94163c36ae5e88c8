/**
 * The device side of one group-by run over a `GpuTable`: the per-row id buffers (one pair per
 * window, ping-ponged by the hash rounds), scratch buffers for tables and accumulators, and
 * `encode`, which dispatches entry points of `shaders/group-by.wgsl` over every window in one
 * submission. Every entry binds the same seven slots (values, validity, prev, ids, acc, aux,
 * params); slots a pass does not need get small dummy buffers.
 */
import type { PooledBuffer } from '../../buffer-pool.js';
import type { GpuContext } from '../../gpu-context.js';
import type { GpuTableColumn, GpuTable } from '../../upload-table.js';
import type { NumericDType } from '../../../dtype.js';


/** Entry points of the hash family; every other entry is an aggregate (group-agg). */
const HASH_ENTRIES: ReadonlySet<string> = new Set(['mask_main', 'insert_main', 'remap_main']);
/** The id of a row that takes part in no group (masked out). */
export const SKIP = 0xffffffff;

const PARAM_BYTES = 32;
const MAX_WORKGROUPS = 1024;

/** The shader's KIND for a device element type (bool and dictionary codes arrive as u32/i32). */
export function kindOf(dtype: NumericDType): number {
  switch (dtype) {
    case 'float32': return 0;
    case 'float64': return 1;
    case 'int8': case 'int16': case 'int32': return 2;
    case 'uint8': case 'uint16': case 'uint32': return 3;
    case 'int64': return 4;
    default: return 5;
  }
}

/** One entry point dispatched over every window. */
export interface PassSpec {
  entry: string;
  /** The column bound as `values`/`validity` (null: none, e.g. size). */
  column: GpuTableColumn | null;
  /** Whether the column's validity counts (false reads every row as valid). */
  useValidity: boolean;
  /** The buffer bound as `acc` (atomic words). */
  acc: PooledBuffer;
  aux: PooledBuffer | null;
  op: number;
  /** Hash slots (insert_main only). */
  capacity: number;
  /** insert_main reads the current ids as `prev` and writes the spare ones. */
  round: boolean;
  keyWords: number;
}

/** A pass with defaults for what it does not set. */
export function pass(entry: string, acc: PooledBuffer, rest: Partial<PassSpec> = {}): PassSpec {
  return { entry, column: null, useValidity: true, acc, aux: null, op: 0, capacity: 0, round: false, keyWords: 1, ...rest };
}

/**
 * One group-by run's device state; `release()` gives every buffer back to the pool.
 * @example
 * const run = new GroupPass(gpu, table);
 * try { await run.encode('count', [acc], [pass('count_main', acc, { column })]); } finally { run.release(); }
 */
export class GroupPass {
  /** Per window: the row ids the passes read (`ids`) and the buffer a round writes (`spare`). */
  private ids: PooledBuffer[] = [];
  private spare: PooledBuffer[] = [];
  private readonly loans: PooledBuffer[] = [];
  /** Bytes asked for each loan: bindings cover those, not the pool's size class. */
  private readonly bytes = new Map<PooledBuffer, number>();
  private readonly dummy: PooledBuffer;

  constructor(readonly gpu: GpuContext, readonly table: GpuTable) {
    try {
      this.dummy = this.take(16, 'group-by dummy');
      for (const w of this.windows()) {
        this.ids.push(this.take(Math.max(16, w.rows * 4), 'group-by ids'));
        this.spare.push(this.take(Math.max(16, w.rows * 4), 'group-by ids'));
      }
    } catch (error) {
      this.release();
      throw error;
    }
  }

  /** Rows and first global row of every window (every column of the table shares them). */
  windows(): { rows: number; rowBase: number }[] {
    const { rows, windowRows } = this.table;
    const count = Math.max(1, Math.ceil(rows / windowRows));
    return Array.from({ length: count }, (_, w) => ({
      rows: Math.min(windowRows, rows - w * windowRows),
      rowBase: w * windowRows,
    }));
  }

  private take(bytes: number, label: string): PooledBuffer {
    // GPUBufferUsage exists only once a GPU module is loaded, so it is read here, not at import.
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const loan = this.gpu.pool.acquire(bytes, usage, label);
    this.loans.push(loan);
    this.bytes.set(loan, bytes);
    return loan;
  }

  /** A storage buffer of at least `bytes` bytes (not zeroed: pass it to `encode`'s `clear`). */
  scratch(bytes: number, label: string): PooledBuffer {
    return this.take(Math.max(16, bytes), label);
  }

  /** Gives a scratch buffer back before the run ends. */
  drop(loan: PooledBuffer): void {
    const at = this.loans.indexOf(loan);
    if (at >= 0) this.loans.splice(at, 1);
    this.bytes.delete(loan);
    this.gpu.pool.release(loan);
  }

  /** After a successful hash round: its output ids become the current ones. */
  swap(): void {
    [this.ids, this.spare] = [this.spare, this.ids];
  }

  /** Zeroes `clear`, then runs `passes` in order over every window, in one submission. */
  async encode(label: string, clear: readonly PooledBuffer[], passes: readonly PassSpec[]): Promise<void> {
    const gpu = this.gpu;
    const wg = gpu.workgroupSize;
    // The hash rounds are the group-by family (shaders/group-by.wgsl), the aggregates group-agg.
    const pipelines = await Promise.all(passes.map((p) => {
      const kind = p.column === null ? 3 : kindOf(p.column.dtype);
      return HASH_ENTRIES.has(p.entry)
        ? gpu.pipeline('group-by', p.entry, { WORKGROUP_SIZE: wg, KIND: kind, KEY_WORDS: p.keyWords })
        : gpu.pipeline('group-agg', p.entry, { WORKGROUP_SIZE: wg, KIND: kind });
    }));
    const windows = this.windows();
    const uniforms: PooledBuffer[] = [];
    try {
      const plan = passes.flatMap((p, k) => windows.flatMap((w, i) => {
        if (w.rows === 0) return [];
        const groups = Math.min(MAX_WORKGROUPS, Math.ceil(w.rows / wg));
        const window = p.column?.windows[i] ?? null;
        const u = new Uint32Array(PARAM_BYTES / 4);
        u[0] = w.rows;
        u[1] = w.rowBase;
        u[2] = p.useValidity && window?.validity != null ? 1 : 0;
        u[3] = groups;
        u[4] = p.capacity;
        u[5] = p.op;
        const uniform = gpu.uniform(u.buffer);
        uniforms.push(uniform);
        return [{ p, pipeline: pipelines[k]!, i, window, groups, uniform }];
      }));
      await gpu.submit(`group-by ${label}`, (encoder) => {
        for (const c of clear) encoder.clearBuffer(c.buffer, 0, c.size);
        for (const { p, pipeline, i, window, groups, uniform } of plan) {
          const bind = (loan: PooledBuffer, size = this.bytes.get(loan) ?? loan.size): GPUBufferBinding => ({ buffer: loan.buffer, offset: 0, size });
          const values = window === null ? bind(this.dummy) : bind(window.values, window.valueBytes);
          const validity = window?.validity != null ? bind(window.validity, Math.max(window.validityBytes, 16)) : bind(this.dummy);
          const group = gpu.device.createBindGroup({
            layout: pipeline.getBindGroupLayout(0),
            entries: [
              { binding: 0, resource: values },
              { binding: 1, resource: validity },
              { binding: 2, resource: p.round ? bind(this.ids[i]!) : bind(this.dummy) },
              { binding: 3, resource: bind(p.round ? this.spare[i]! : this.ids[i]!) },
              { binding: 4, resource: bind(p.acc) },
              { binding: 5, resource: bind(p.aux ?? this.dummy) },
              { binding: 6, resource: { buffer: uniform.buffer, offset: 0, size: PARAM_BYTES } },
            ],
          });
          const compute = encoder.beginComputePass({ label: `group-by ${p.entry}` });
          compute.setPipeline(pipeline);
          compute.setBindGroup(0, group);
          compute.dispatchWorkgroups(groups);
          compute.end();
        }
      });
    } finally {
      for (const u of uniforms) gpu.pool.release(u);
    }
  }

  /** Reads `words` u32 words of `loan` back. */
  async read(loan: PooledBuffer, words: number): Promise<Uint32Array> {
    return new Uint32Array(await this.gpu.read(loan.buffer, 0, words * 4));
  }

  release(): void {
    for (const loan of this.loans.splice(0)) this.gpu.pool.release(loan);
    this.bytes.clear();
  }
}
