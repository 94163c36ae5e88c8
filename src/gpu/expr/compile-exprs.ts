/**
 * Expressions to WGSL: the `expr` kernel family's code generator. `compileExprs` turns the
 * expressions of one fused stage into the placeholders of shaders/expr.wgsl — one kernel that
 * reads each input column once per row and writes every output column (value words plus a
 * validity bitmap) in the table's own windows. `gpuExprSupport` runs the same walk without a
 * device and says, for explain(), why an expression must stay on the CPU.
 */
import type { NumericDType } from '../../dtype.js';
import type { Expr } from '../../plan/expr.js';
import { exprName, exprType, type Schema } from '../../plan/expr-type.js';
import type { ValueType } from '../../plan/value-type.js';
import type { ShaderParams } from '../shader-template.js';
import type { DeviceLayout } from '../upload-table.js';
import { ExprCodegen, type CodegenInput, type CodeSlot, type InputLayout } from './expr-codegen.js';
import { isWide, NotOnGpu, reprOf } from './wgsl-value.js';

export type { CodeSlot, InputLayout } from './expr-codegen.js';

/** One result column of a compiled kernel. */
export interface CompiledOutput {
  name: string;
  type: ValueType;
  /** The device layout of the result: dictionary codes keep their input column's layout. */
  layout: DeviceLayout;
  dtype: NumericDType;
  /** Two words a row. */
  wide: boolean;
  /** For a dictionary result: the input column it passes through. */
  source?: string;
}

/** A generated kernel: what it binds, in order, and the shader's placeholder values. */
export interface CompiledExprs {
  inputs: readonly CodegenInput[];
  outputs: readonly CompiledOutput[];
  /** String literals to look up in their column's dictionary at dispatch time. */
  codes: readonly CodeSlot[];
  /** Storage buffers one dispatch binds (for the device's maxStorageBuffersPerShaderStage). */
  storageBindings: number;
  /** Row at which two-word outputs continue in their second binding (null: one binding). */
  splitRows: number | null;
  /** The placeholders of shaders/expr.wgsl for a workgroup size (a multiple of 32). */
  shaderParams(workgroupSize: number): ShaderParams;
}

export interface CompileOptions {
  /**
   * When a window of two-word outputs would exceed one binding, they are bound as two halves
   * and rows from `splitRows` on go to the second (a multiple of 128 rows, so the second
   * binding's offset stays aligned).
   */
  splitRows?: number | null;
}

function outputLayout(type: ValueType, name: string, layouts: ReadonlyMap<string, InputLayout>, source: string | undefined): Pick<CompiledOutput, 'layout' | 'dtype'> {
  if (type === 'bool') return { layout: { kind: 'bool' }, dtype: 'uint32' };
  if (type === 'string') return { layout: layouts.get(source!)!.layout, dtype: 'int32' };
  if (type === 'null' || type === 'other') throw new NotOnGpu(`the result '${name}' has no values (type ${type}); it is made on the CPU`);
  return { layout: { kind: 'number', dtype: type }, dtype: type };
}

function store(k: number, repr: ReturnType<typeof reprOf>, v: string, ok: string, split: number | null): string[] {
  const at = `out_${k}`;
  switch (repr) {
    case 'i64': case 'u64': case 'f64': {
      const w = `select(vec2<u32>(0u, 0u), ${v}, ${ok})`;
      if (split === null) return [`  { let w = ${w}; ${at}[2u * i] = w.x; ${at}[2u * i + 1u] = w.y; }`];
      return [
        `  { let w = ${w};`,
        `    if (i < ${split}u) { ${at}[2u * i] = w.x; ${at}[2u * i + 1u] = w.y; }`,
        `    else { let j = i - ${split}u; ${at}_b[2u * j] = w.x; ${at}_b[2u * j + 1u] = w.y; } }`,
      ];
    }
    case 'bool': return [`  ${at}[i] = select(0u, 1u, ${ok} && ${v});`];
    case 'u32': case 'f32': return [`  ${at}[i] = select(0u, ${v}, ${ok});`];
    default: return [`  ${at}[i] = select(0u, bitcast<u32>(${v}), ${ok});`];
  }
}

/**
 * Compiles `exprs` over columns laid out as `layouts` into one `expr` kernel, or says why they
 * cannot all run on the GPU. Plan errors (unknown column, wrong types) throw, as on the CPU.
 *
 * @example
 * const compiled = compileExprs([col('a').add(col('b')).alias('s'), col('a').gt(0)], schema, layouts);
 * if ('unsupported' in compiled) console.log(compiled.unsupported);
 */
export function compileExprs(
  exprs: readonly Expr[],
  schema: Schema,
  layouts: ReadonlyMap<string, InputLayout>,
  options: CompileOptions = {},
): CompiledExprs | { unsupported: string } {
  const split = options.splitRows ?? null;
  const gen = new ExprCodegen(schema, layouts);
  const outputs: CompiledOutput[] = [];
  const writes: string[] = [];
  try {
    exprs.forEach((expr, k) => {
      const type = exprType(expr, schema);
      const name = exprName(expr) ?? expr.key;
      const val = gen.gen(expr);
      if (type === 'string' && val.column === undefined) throw new NotOnGpu(`the string result '${name}' is made on the CPU`);
      const repr = reprOf(type);
      outputs.push({ name, type, wide: isWide(repr), source: val.column, ...outputLayout(type, name, layouts, val.column) });
      writes.push(...store(k, repr, val.v, val.ok, split));
      if (val.ok !== 'false') {
        writes.push(`  if (${val.ok}) { atomicOr(&bits[${k}u * WORDS_PER_GROUP + lane / 32u], 1u << (i & 31u)); }`);
      }
    });
  } catch (error) {
    if (error instanceof NotOnGpu) return { unsupported: error.why };
    throw error;
  }
  const inputs = gen.inputs;
  const codes = gen.codes;
  const bindings: string[] = [];
  let b = 2;
  const bind = (name: string, access: 'read' | 'read_write'): void => {
    bindings.push(`@group(0) @binding(${b++}) var<storage, ${access}> ${name}: array<u32>;`);
  };
  inputs.forEach((input, k) => {
    bind(`in_${k}`, 'read');
    if (input.nullable) bind(`in_${k}_ok`, 'read');
  });
  outputs.forEach((output, k) => {
    bind(`out_${k}`, 'read_write');
    if (output.wide && split !== null) bind(`out_${k}_b`, 'read_write');
    bind(`out_${k}_ok`, 'read_write');
  });
  const row = [...gen.lines, ...writes].join('\n');
  const flush = outputs.map((_, k) => `  out_${k}_ok[word] = atomicExchange(&bits[${k}u * WORDS_PER_GROUP + lane], 0u);`).join('\n');
  return {
    inputs,
    outputs,
    codes,
    storageBindings: b - 1,
    splitRows: split,
    shaderParams(workgroupSize: number): ShaderParams {
      return {
        WORKGROUP_SIZE: workgroupSize,
        BINDINGS: bindings.join('\n'),
        ROW: row,
        FLUSH: flush,
        OUTPUT_WORDS: Math.max(1, outputs.length) * (workgroupSize / 32),
        CODE_SLOTS: Math.max(1, Math.ceil(codes.length / 4)),
      };
    },
  };
}

/** Layouts a schema's columns would have on the device (strings assumed dictionary-encoded). */
function assumedLayouts(schema: Schema): Map<string, InputLayout> {
  const layouts = new Map<string, InputLayout>();
  for (const [name, t] of schema) {
    if (t === 'bool') layouts.set(name, { layout: { kind: 'bool' }, nullable: true });
    else if (t === 'string') layouts.set(name, { layout: { kind: 'dictionary', dictionary: [] }, nullable: true });
    else if (t !== 'null' && t !== 'other') layouts.set(name, { layout: { kind: 'number', dtype: t }, nullable: true });
  }
  return layouts;
}

/**
 * Whether `expr` can run in the GPU expression kernel, and if not why, naming the operator and
 * its operands ("int64 multiply of 'a' and 'b' runs on the CPU"). String columns count as
 * dictionary-encoded unless `layouts` says how they really sit on the device.
 *
 * @example
 * gpuExprSupport(col('a').mul(col('b')), new Map([['a', 'int64'], ['b', 'int64']]));
 * // { ok: false, why: "int64 multiply of 'a' and 'b' runs on the CPU" }
 */
export function gpuExprSupport(expr: Expr, schema: Schema, layouts?: ReadonlyMap<string, InputLayout>): { ok: true } | { ok: false; why: string } {
  const result = compileExprs([expr], schema, layouts ?? assumedLayouts(schema));
  return 'unsupported' in result ? { ok: false, why: result.unsupported } : { ok: true };
}
