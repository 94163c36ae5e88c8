/**
 * The GPU twin of `cpu/kernels/eval-column`: evaluates several expressions over a resident
 * partition in one pass (one `expr` kernel, one dispatch per row window, one submit) and
 * leaves the results on the device in the table's windows, so they can be downloaded,
 * filtered or grouped next. Results that would raise on the CPU (integer overflow, casts out of
 * range) are flagged by the kernel; the run then answers `unsupported` and the caller
 * recomputes the partition on the CPU, which raises the CPU's error.
 */
import type { Expr } from '../../plan/expr.js';
import type { Schema } from '../../plan/expr-type.js';
import { arrowTypeOf } from '../../plan/value-type.js';
import type { PooledBuffer } from '../buffer-pool.js';
import type { GpuContext } from '../gpu-context.js';
import type { GpuTable, GpuTableColumn } from '../upload-table.js';
import type { GpuWindow } from '../upload.js';
import { compileExprs, type CompiledExprs, type InputLayout } from '../expr/compile-exprs.js';

/** Result columns on the device; `release()` gives their buffers back to the pool. */
export interface EvalExprsResult {
  columns: GpuTableColumn[];
  release(): void;
}

/** Storage usage, read when called: the GPUBufferUsage global exists only once a device is made. */
function storage(): number {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
}
const MAX_GROUPS = 65535;

/** The device layouts of a table's columns, as compileExprs takes them. */
export function tableLayouts(table: GpuTable): Map<string, InputLayout> {
  return new Map(table.columns.map((c) => [c.name, { layout: c.layout, nullable: c.windows.some((w) => w.validity !== null) }]));
}

function codeWords(compiled: CompiledExprs, table: GpuTable): Int32Array {
  const words = new Int32Array(Math.max(1, Math.ceil(compiled.codes.length / 4)) * 4);
  compiled.codes.forEach((slot, k) => {
    const layout = table.column(slot.column).layout;
    // An absent literal gets -1, which no row's code equals.
    words[k] = layout.kind === 'dictionary' ? layout.dictionary.indexOf(slot.value) : -1;
  });
  return words;
}

/**
 * Evaluates `exprs` over `table` on the GPU: one result column per expression, named by
 * `exprName` (else its key), in the table's windows. Answers `{ unsupported }` with a reason
 * when an expression cannot run here or a row would raise on the CPU; the caller then
 * computes on the CPU. The caller releases the result.
 *
 * @example
 * const r = await evalExprs(gpu, table, [col('a').add(col('b')).alias('s')], schema);
 * if ('columns' in r) { const s = await downloadColumn(gpu, r.columns[0]!, table.rows); r.release(); }
 */
export async function evalExprs(gpu: GpuContext, table: GpuTable, exprs: readonly Expr[], schema: Schema): Promise<EvalExprsResult | { unsupported: string }> {
  const wg = gpu.workgroupSize;
  if (exprs.length === 0) return { columns: [], release: () => undefined };
  if (wg % 32 !== 0) return { unsupported: `the expression kernel needs a workgroup size that is a multiple of 32, not ${wg}` };
  const split = table.windowRows * 8 > gpu.maxBindingSize ? table.windowRows / 2 : null;
  const kernels = planKernels(exprs, schema, tableLayouts(table), split, gpu.device.limits.maxStorageBuffersPerShaderStage);
  if (!Array.isArray(kernels)) return kernels;
  const results: EvalExprsResult[] = [];
  const release = (): void => {
    for (const r of results.splice(0)) r.release();
  };
  try {
    for (const compiled of kernels) {
      const r = await runKernel(gpu, table, compiled, split);
      if ('unsupported' in r) {
        release();
        return r;
      }
      results.push(r);
    }
  } catch (error) {
    release();
    throw error;
  }
  const columns = results.flatMap((r) => r.columns);
  const held = [...results];
  return { columns, release: () => held.forEach((r) => r.release()) };
}

/**
 * The kernels that compute `exprs`: one when its bindings fit the device, else consecutive
 * groups of expressions, each as many as fit (a device may grant as few as 8 storage buffers).
 */
function planKernels(
  exprs: readonly Expr[], schema: Schema, layouts: Map<string, InputLayout>, split: number | null, limit: number,
): CompiledExprs[] | { unsupported: string } {
  const all = compileExprs(exprs, schema, layouts, { splitRows: split });
  if ('unsupported' in all) return all;
  if (all.storageBindings <= limit) return [all];
  const kernels: CompiledExprs[] = [];
  let group: Expr[] = [];
  let current: CompiledExprs | null = null;
  for (const expr of exprs) {
    const next = compileExprs([...group, expr], schema, layouts, { splitRows: split }) as CompiledExprs;
    if (next.storageBindings <= limit) {
      group.push(expr);
      current = next;
      continue;
    }
    if (current === null) {
      return { unsupported: `${expr.key} needs ${next.storageBindings} storage bindings (${next.inputs.length} input columns); the device grants ${limit}` };
    }
    kernels.push(current);
    group = [];
    current = null;
    const alone = compileExprs([expr], schema, layouts, { splitRows: split }) as CompiledExprs;
    if (alone.storageBindings > limit) {
      return { unsupported: `${expr.key} needs ${alone.storageBindings} storage bindings (${alone.inputs.length} input columns); the device grants ${limit}` };
    }
    group = [expr];
    current = alone;
  }
  if (current !== null) kernels.push(current);
  return kernels;
}

/** One kernel over every window of `table` in one submit. */
async function runKernel(gpu: GpuContext, table: GpuTable, compiled: CompiledExprs, split: number | null): Promise<EvalExprsResult | { unsupported: string }> {
  const wg = gpu.workgroupSize;
  const windows = table.columns[0]?.windows.map((w) => w.rows) ?? evenWindows(table.rows, table.windowRows);
  const loans: PooledBuffer[] = [];
  const scratch: PooledBuffer[] = [];
  const release = (): void => {
    for (const loan of loans.splice(0)) gpu.pool.release(loan);
  };
  const acquire = (bytes: number, label: string, into: PooledBuffer[]): PooledBuffer => {
    const loan = gpu.pool.acquire(bytes, storage(), label);
    into.push(loan);
    return loan;
  };
  try {
    const columns: GpuTableColumn[] = compiled.outputs.map((out) => {
      const source = out.source === undefined ? null : table.column(out.source);
      const perRow = out.wide ? 8 : 4;
      const outWindows: GpuWindow[] = windows.map((n) => {
        // A split window's second binding starts at `split` rows: keep room for both halves.
        const valueBytes = Math.max(n * perRow, 4);
        const bytes = out.wide && split !== null ? Math.max(valueBytes, split * 8 + 8) : valueBytes;
        const validityBytes = Math.max(4, Math.ceil(n / 32) * 4);
        return {
          values: acquire(bytes, `expr ${out.name}`, loans),
          valueBytes,
          validity: acquire(validityBytes, `expr ${out.name} validity`, loans),
          validityBytes,
          bitOffset: 0,
          rows: n,
        };
      });
      const type = source !== null ? source.type : arrowTypeOf(out.type);
      return { name: out.name, type, layout: out.layout, dtype: out.dtype, windows: outWindows };
    });
    if (table.rows === 0) return { columns, release };
    const flags = acquire(16, 'expr flags', scratch);
    gpu.device.queue.writeBuffer(flags.buffer, 0, new Uint32Array(4));
    const inputs = compiled.inputs.map((input) => table.column(input.name));
    const codes = codeWords(compiled, table);
    const uniforms = windows.map((n) => {
      const data = new ArrayBuffer(16 + codes.byteLength);
      new Uint32Array(data, 0, 4)[0] = n;
      new Int32Array(data, 16).set(codes);
      const loan = gpu.uniform(data);
      scratch.push(loan);
      return loan;
    });
    const pipeline = await gpu.pipeline('expr', 'main', compiled.shaderParams(wg));
    await gpu.submit('expr', (encoder) => {
      const pass = encoder.beginComputePass({ label: 'expr' });
      pass.setPipeline(pipeline);
      windows.forEach((n, w) => {
        if (n === 0) return;
        const entries: GPUBindGroupEntry[] = [
          { binding: 0, resource: { buffer: uniforms[w]!.buffer, offset: 0, size: 16 + codes.byteLength } },
          { binding: 1, resource: { buffer: flags.buffer, offset: 0, size: 16 } },
        ];
        const add = (buffer: GPUBuffer, offset: number, size: number): void => {
          entries.push({ binding: entries.length, resource: { buffer, offset, size } });
        };
        inputs.forEach((column, k) => {
          const win = column.windows[w]!;
          add(win.values.buffer, 0, win.valueBytes);
          if (compiled.inputs[k]!.nullable) {
            const validity = win.validity ?? allValid(gpu, win, scratch);
            add(validity.buffer, 0, Math.max(4, win.validityBytes, Math.ceil(win.rows / 32) * 4));
          }
        });
        columns.forEach((column, k) => {
          const win = column.windows[w]!;
          if (compiled.outputs[k]!.wide && split !== null) {
            add(win.values.buffer, 0, split * 8);
            add(win.values.buffer, split * 8, Math.max(8, (n - split) * 8));
          } else {
            add(win.values.buffer, 0, win.valueBytes);
          }
          add(win.validity!.buffer, 0, win.validityBytes);
        });
        pass.setBindGroup(0, gpu.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
        pass.dispatchWorkgroups(Math.min(MAX_GROUPS, Math.ceil(n / wg)));
      });
      pass.end();
    });
    const err = new Uint32Array(await gpu.read(flags.buffer, 0, 4))[0]!;
    if (err !== 0) {
      release();
      const what = [err & 1 ? 'an integer result overflows its type' : '', err & 2 ? 'a cast of a non-finite float to an integer' : '']
        .filter((s) => s !== '').join(' and ');
      return { unsupported: `${what} in this partition; the CPU recomputes it and raises the error` };
    }
    return { columns, release };
  } catch (error) {
    release();
    throw error;
  } finally {
    for (const loan of scratch) gpu.pool.release(loan);
  }
}

/** A validity bitmap of all ones for a window that has none (so every window binds alike). */
function allValid(gpu: GpuContext, win: GpuWindow, scratch: PooledBuffer[]): PooledBuffer {
  const bytes = Math.max(4, Math.ceil(win.rows / 32) * 4);
  const loan = gpu.pool.acquire(bytes, storage(), 'expr all valid');
  scratch.push(loan);
  gpu.device.queue.writeBuffer(loan.buffer, 0, new Uint8Array(bytes).fill(0xff));
  return loan;
}

/** Window sizes of a table with no columns: `step` rows each, one (empty) window at least. */
function evenWindows(rows: number, step: number): number[] {
  const out: number[] = [];
  for (let start = 0; start === 0 || start < rows; start += step) out.push(Math.min(step, rows - start));
  return out;
}
