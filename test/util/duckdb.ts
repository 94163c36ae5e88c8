/** DuckDB, the test oracle: one in-memory database per test file. */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll } from 'vitest';

export function useDuckDB(): { connection(): Promise<DuckDBConnection> } {
  let instance: DuckDBInstance | null = null;
  let conn: DuckDBConnection | null = null;
  afterAll(() => {
    conn?.closeSync();
    instance?.closeSync();
  });
  return {
    async connection(): Promise<DuckDBConnection> {
      instance ??= await DuckDBInstance.create(':memory:');
      conn ??= await instance.connect();
      return conn;
    },
  };
}

/** A path inside SQL single quotes. */
export function sqlPath(path: string): string {
  return `'${path.replace(/'/g, "''")}'`;
}
