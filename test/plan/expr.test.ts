/** Expression building, deterministic keys, and the type checks that run when a plan is built. */
import { describe, expect, it } from 'vitest';
import { PlanError, SchemaError } from '../../src/index.js';
import { col, lit, when } from '../../src/plan/expr.js';
import { exprName, exprType } from '../../src/plan/expr-type.js';
import type { ValueType } from '../../src/plan/value-type.js';

const schema = new Map<string, ValueType>([
  ['i8', 'int8'], ['i32', 'int32'], ['i64', 'int64'], ['u32', 'uint32'], ['u64', 'uint64'],
  ['f32', 'float32'], ['f64', 'float64'], ['s', 'string'], ['b', 'bool'], ['d', 'other'],
]);

describe('keys', () => {
  it('equal expressions have equal keys, different ones different keys', () => {
    expect(col('a').add(1).mul(col('b')).key).toBe(col('a').add(lit(1)).mul(col('b')).key);
    expect(col('a').add(1).key).not.toBe(col('a').add(1n).key);
    expect(col('a').add(1).key).not.toBe(col('a').add('1').key);
    expect(lit(-0).key).not.toBe(lit(0).key);
    expect(col('a').isIn([1, 2]).key).not.toBe(col('a').isIn([2, 1]).key);
  });
});

describe('exprType', () => {
  const cases: [string, ReturnType<typeof col>, ValueType][] = [
    ['int8 + literal stays int8', col('i8').add(1), 'int8'],
    ['int8 + literal past int8 widens', col('i8').add(1000), 'int32'],
    ['int32 + int64', col('i32').add(col('i64')), 'int64'],
    ['uint32 + int32 widens to int64', col('u32').add(col('i32')), 'int64'],
    ['float32 * literal stays float32', col('f32').mul(2), 'float32'],
    ['float32 * int32 is float32', col('f32').mul(col('i32')), 'float32'],
    ['float32 + float64', col('f32').add(col('f64')), 'float64'],
    ['int / float literal', col('i32').div(2.5), 'float64'],
    ['comparison', col('f64').gt(col('i64')), 'bool'],
    ['string equality', col('s').eq('x'), 'bool'],
    ['boolean logic', col('b').and(col('f64').gt(0)).or(col('s').isNull()), 'bool'],
    ['between', col('i32').between(1, 5), 'bool'],
    ['isIn', col('s').isIn(['a', 'b', null]), 'bool'],
    ['cast', col('s').cast('float64'), 'float64'],
    ['math', col('i32').sqrt(), 'float64'],
    ['round keeps type', col('f32').round(), 'float32'],
    ['fillNull', col('i8').fillNull(0), 'int8'],
    ['when', when(col('f64').gt(0)).then(1).otherwise(-1), 'int32'],
    ['when over columns', when(col('b')).then(col('i8')).when(col('f64').lt(0)).then(col('f64')).otherwise(null), 'float64'],
    ['string functions', col('s').lower().startsWith('ab'), 'bool'],
    ['alias', col('i32').add(1).alias('x'), 'int32'],
  ];
  for (const [name, expr, type] of cases) {
    it(name, () => expect(exprType(expr, schema)).toBe(type));
  }

  it('an unknown column is a SchemaError listing the columns there are', () => {
    const run = (): unknown => exprType(col('amount').gt(1), schema);
    expect(run).toThrow(SchemaError);
    expect(run).toThrow(/'amount' not found; the columns are: i8, i32, i64/);
  });

  const bad: [string, ReturnType<typeof col>, RegExp][] = [
    ['string + number', col('s').add(1), /add: needs numbers, not string and int32/],
    ['number vs string', col('i32').eq('x'), /eq: cannot compare int32 and string/],
    ['and on numbers', col('i32').and(col('b')), /and: needs booleans/],
    ['not on a string', col('s').not(), /not: needs a boolean/],
    ['lower on a number', col('f64').lower(), /lower: needs a string/],
    ['neg of unsigned', col('u32').neg(), /neg: needs a signed number/],
    ['isIn with a string for a number', col('i32').isIn([1, 'x']), /isIn: cannot compare int32/],
    ['cast of an unsupported column', col('d').cast('int32'), /cast: cannot cast/],
    ['cast to an unknown type', col('i32').cast('decimal' as never), /unknown type 'decimal'/],
    ['when with a number condition', when(col('i32')).then(1).otherwise(0), /condition must be a boolean/],
    ['when branches that do not meet', when(col('b')).then(col('s')).otherwise(col('i32')), /do not meet/],
    ['fillNull with another kind', col('s').fillNull(3), /fillNull: cannot fill string with int32/],
  ];
  for (const [name, expr, message] of bad) {
    it(`${name} is a PlanError`, () => {
      expect(() => exprType(expr, schema)).toThrow(PlanError);
      expect(() => exprType(expr, schema)).toThrow(message);
    });
  }

  it('names: an alias, a column, or none', () => {
    expect(exprName(col('a'))).toBe('a');
    expect(exprName(col('a').add(1).alias('b'))).toBe('b');
    expect(exprName(col('a').add(1))).toBeNull();
  });
});
