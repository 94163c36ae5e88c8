/**
 * gpuExprSupport and compileExprs without a device: what runs on the GPU, and for what does
 * not, a reason that names the operator and its operands (explain() prints it).
 */
import { describe, expect, it } from 'vitest';
import { compileExprs, gpuExprSupport } from '../../src/gpu/expr/compile-exprs.js';
import { col, lit, when } from '../../src/plan/expr.js';
import type { Schema } from '../../src/plan/expr-type.js';
import { PlanError, SchemaError } from '../../src/errors.js';

const schema: Schema = new Map([
  ['a', 'int64'], ['b', 'int64'], ['u', 'uint64'], ['i', 'int32'], ['f', 'float64'], ['g', 'float32'], ['s', 'string'], ['ok', 'bool'],
]);

describe('gpuExprSupport', () => {
  it('accepts the core operators', () => {
    for (const e of [
      col('a').add(col('b')).sub(1), col('a').lt(col('f')), col('i').mul(col('i')).div(3).mod(2), col('f').mul(col('g')).div(col('i')),
      col('f').isNull().or(col('ok').not()), col('i').isIn([1, 2, null]), col('f').between(0, 1), col('s').eq('x'), col('s').isIn(['x', 'y']),
      when(col('ok')).then(col('f')).otherwise(col('a')), col('f').cast('int32'), col('a').cast('float32'), col('f').round().abs().neg(),
      col('i').fillNull(0), col('u').add(col('u')), col('a').gt(col('u')), col('g').sqrt(), col('a').sqrt(), col('f').exp(), col('i').log(), col('f').mod(col('g')), col('g').mod(2), col('g').log2(), col('a').log10(),
    ]) {
      expect(gpuExprSupport(e, schema), e.key).toEqual({ ok: true });
    }
  });

  it('names the operator and the columns of what runs on the CPU', () => {
    expect(gpuExprSupport(col('a').mul(col('b')), schema)).toEqual({ ok: false, why: "int64 multiply of 'a' and 'b' runs on the CPU" });
    expect(gpuExprSupport(col('a').div(2), schema)).toEqual({ ok: false, why: "int64 divide of 'a' and 2 runs on the CPU" });
    expect(gpuExprSupport(col('u').mod(col('u')), schema)).toEqual({ ok: false, why: "uint64 modulo of 'u' and 'u' runs on the CPU" });
    expect(gpuExprSupport(col('s').startsWith('x'), schema)).toEqual({ ok: false, why: "startsWith of 's' and \"x\" runs on the CPU" });
    expect(gpuExprSupport(col('s').lower().eq('x'), schema)).toEqual({ ok: false, why: "lower of 's' runs on the CPU" });
    expect(gpuExprSupport(col('s').lt('x'), schema)).toMatchObject({ ok: false, why: expect.stringContaining('ordering strings') });
    expect(gpuExprSupport(col('s').eq(col('s')), schema)).toMatchObject({ ok: false, why: expect.stringContaining('two string columns') });
    expect(gpuExprSupport(col('a').mul(col('a')).sqrt(), schema)).toEqual({ ok: false, why: "int64 multiply of 'a' and 'a' runs on the CPU" });
    expect(gpuExprSupport(col('i').cast('string'), schema)).toMatchObject({ ok: false, why: expect.stringContaining("cast of 'i'") });
    // A plain (not dictionary-encoded) string column, when the layouts say so.
    const plain = new Map([['s', { layout: { kind: 'number' as const, dtype: 'int32' as const }, nullable: false }]]);
    expect(gpuExprSupport(col('s').eq('x'), schema, plain)).toEqual({ ok: false, why: "'s' is a plain string column; string operations run on the CPU" });
  });

  it('an int64 literal out of range is left to the CPU, which raises', () => {
    expect(gpuExprSupport(col('a').add(2n ** 63n), schema)).toMatchObject({ ok: false, why: expect.stringContaining('overflows int64') });
  });

  it('plan errors still throw, as on the CPU', () => {
    expect(() => gpuExprSupport(col('nope').add(1), schema)).toThrow(SchemaError);
    expect(() => gpuExprSupport(col('s').add(1), schema)).toThrow(PlanError);
  });

  it('one kernel for several outputs binds each input column once', () => {
    const layouts = new Map([
      ['a', { layout: { kind: 'number' as const, dtype: 'int64' as const }, nullable: true }],
      ['i', { layout: { kind: 'number' as const, dtype: 'int32' as const }, nullable: false }],
    ]);
    const compiled = compileExprs([col('a').add(col('i')).alias('x'), col('a').gt(col('i')), lit(1).alias('one')], schema, layouts);
    if ('unsupported' in compiled) throw new Error(compiled.unsupported);
    expect(compiled.inputs.map((c) => c.name)).toEqual(['a', 'i']);
    expect(compiled.outputs.map((o) => [o.name, o.type])).toEqual([['x', 'int64'], ['gt(col("a"),col("i"))', 'bool'], ['one', 'int32']]);
    // flags + a (values, validity) + i (values) + 3 outputs x (values, validity)
    expect(compiled.storageBindings).toBe(1 + 2 + 1 + 6);
  });
});
