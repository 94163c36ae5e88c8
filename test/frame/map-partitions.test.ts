/**
 * mapPartitions: a sync or async user function over each partition, shipped to the workers as
 * source text; its columns from meta or from a run on an empty partition; a capturing function
 * refused when the plan is built; a function that throws or returns other columns fails the
 * computation with an error naming the partition.
 */
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DuskError, PlanError, TaskError, fromArrays } from '../../src/index.js';

for (const scheduler of ['cpu', 'sync'] as const) {
  describe(`mapPartitions (scheduler ${scheduler})`, () => {
    let client: Client;
    beforeAll(async () => {
      client = await Client.create({ gpu: 'off', workers: 2, scheduler, retries: 2 });
    });
    afterAll(async () => client.close());
    const n = 1000;
    const frame = () => fromArrays({ k: Int32Array.from({ length: n }, (_, i) => i % 7), v: Float64Array.from({ length: n }, (_, i) => i / 2) }, { npartitions: 4 });

    it('runs a sync function, learning its columns from an empty partition', async () => {
      const df = frame().mapPartitions((batch, index, { arrow: a }) => {
        const v = batch.getChild('v')!.toArray() as Float64Array;
        const doubled = Float64Array.from(v, (x) => x * 2);
        return new a.Table({ part: a.makeVector(new Int32Array(batch.numRows).fill(index)), doubled: a.makeVector(doubled) });
      });
      expect(df.columns).toEqual(['part', 'doubled']);
      const out = await df.compute();
      expect(out.numRows).toBe(n);
      expect(out.getChild('doubled')!.get(999)).toBe(999);
      expect(new Set(out.getChild('part')!.toArray())).toEqual(new Set([0, 1, 2, 3]));
    });

    it('runs an async function with meta', async () => {
      const df = frame().mapPartitions(async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return batch.select(['k']).slice(0, 3);
      }, { meta: { k: 'int32' } });
      const out = await df.compute();
      expect(out.numRows).toBe(12);
      expect(out.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['k:Int32']);
    });

    it('needs meta for an async function', () => {
      expect(() => frame().mapPartitions(async (batch) => batch)).toThrow(/async.*meta/);
    });

    it('refuses a function that captures a variable, naming it', () => {
      const factor = 3;
      try {
        frame().mapPartitions(function scaled(batch) { return batch.slice(0, factor); });
        throw new Error('expected a PlanError');
      } catch (e) {
        expect(e).toBeInstanceOf(PlanError);
        expect((e as PlanError).code).toBe('FUNCTION_CAPTURES');
        expect((e as Error).message).toMatch(/'scaled'.*'factor'/);
      }
    });

    it('a function that throws fails with the partition named, not retried', async () => {
      const df = frame().mapPartitions((batch, i) => {
        if (i === 2) throw new Error('bad partition');
        return batch;
      });
      const error = await df.compute().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(TaskError);
      const t = error as TaskError;
      expect(t.partition).toBe(2);
      expect(t.attempts).toBe(1);
      expect(t.cause).toBeInstanceOf(DuskError);
      expect((t.cause as DuskError).code).toBe('USER_FUNCTION');
      expect((t.cause as Error).message).toMatch(/partition 2: bad partition/);
    });

    it('a function that returns other columns than its meta fails, naming both', async () => {
      const df = frame().mapPartitions((batch) => batch.select(['v']), { meta: new arrow.Schema([new arrow.Field('v', new arrow.Float32(), true)]) });
      const error = await df.compute().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(TaskError);
      expect((error as TaskError).cause).toBeInstanceOf(DuskError);
      expect(((error as TaskError).cause as DuskError).code).toBe('MAP_SCHEMA');
      expect(((error as TaskError).cause as Error).message).toMatch(/v: Float64.*v: Float32/);
    });
  });
}
