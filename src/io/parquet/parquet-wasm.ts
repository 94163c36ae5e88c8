/**
 * The one parquet-wasm instance this thread uses. A Rust panic inside the wasm module surfaces
 * as a `WebAssembly.RuntimeError` and may leave the instance's memory in an unknown state, so
 * after one the module is loaded afresh (a new wasm instance) before the next call.
 */
import { createRequire } from 'node:module';

export type ParquetWasm = typeof import('parquet-wasm/node');

const require = createRequire(import.meta.url);
const MODULE = 'parquet-wasm/node';
let current: ParquetWasm | null = null;

/**
 * Runs `fn` with the parquet-wasm module; if it panics (a `WebAssembly.RuntimeError`), the
 * instance is dropped so that the next call gets a fresh one, and the error is rethrown.
 *
 * @example
 * const schema = withParquetWasm((pw) => pw.readSchema(bytes));
 */
export function withParquetWasm<T>(fn: (pw: ParquetWasm) => T): T {
  current ??= require(MODULE) as ParquetWasm;
  try {
    return fn(current);
  } catch (error) {
    if (error instanceof Error && error.name === 'RuntimeError') { // WebAssembly.RuntimeError: a trap
      delete require.cache[require.resolve(MODULE)];
      current = null;
    }
    throw error;
  }
}
