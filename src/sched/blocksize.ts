/**
 * The default `blocksize` of readParquet and readCsv: it follows the memory limit of the client
 * that runs the scan, so that reading never outruns it. Each CPU worker decoding a block holds
 * about four times its bytes at the peak (the compressed pages read from disk, parquet-wasm's
 * decoded columns and its IPC output, the Arrow table over that output), and a worker may hold
 * a second block's result while the next one decodes: eight blocks per worker fit the limit.
 * A generous limit (the client's default is half the machine's memory) gives 128 MB blocks,
 * Dask's default; a tight one gives smaller blocks, never under 4 MiB, where the per-task cost
 * would start to dominate.
 */

/** The block size with no memory pressure, and the largest default. */
export const DEFAULT_BLOCKSIZE = 128e6;
/** The smallest default block: below it, tasks cost more than they read. */
export const MIN_DEFAULT_BLOCKSIZE = 4 * 2 ** 20;
/** Blocks of memory per CPU worker that the default leaves room for (see the header). */
const BLOCKS_PER_WORKER = 8;

/** What the default depends on: the client's `memoryLimit` and its CPU workers. */
export interface BlockBudget {
  memoryLimit: number;
  workers: number;
}

/**
 * The default block size under `budget` (no budget: no client yet, the 128 MB default).
 *
 * @example
 * autoBlocksize({ memoryLimit: 256 * 2 ** 20, workers: 2 }); // 16 MiB
 * autoBlocksize({ memoryLimit: 12 * 2 ** 30, workers: 2 });  // 128e6
 */
export function autoBlocksize(budget: BlockBudget | null): number {
  if (budget === null || !Number.isFinite(budget.memoryLimit)) return DEFAULT_BLOCKSIZE;
  const share = Math.floor(budget.memoryLimit / (BLOCKS_PER_WORKER * Math.max(1, budget.workers)));
  return Math.min(DEFAULT_BLOCKSIZE, Math.max(MIN_DEFAULT_BLOCKSIZE, share));
}

/**
 * The block size a scan uses: the one the user gave, else the default under `budget`.
 *
 * @example
 * const blocksize = scanBlocksize(source.blocksize, { memoryLimit: 1e9, workers: 4 });
 */
export function scanBlocksize(given: number | null, budget: BlockBudget | null): number {
  return given ?? autoBlocksize(budget);
}

/**
 * How many scan tasks may be in flight (running or queued with their block read) under
 * `budget`: as many as the workers take (two each) while four times their blocks fit the memory
 * limit, fewer for blocks the user made large, never under one. With the default block size
 * every worker stays busy; with 128 MB blocks under a 256 MB limit, one block is read at a time.
 *
 * @example
 * readsInFlight({ memoryLimit: 256 * 2 ** 20, workers: 2 }, 128e6); // 1
 */
export function readsInFlight(budget: BlockBudget | null, blocksize: number): number {
  const most = 2 * Math.max(1, budget?.workers ?? 1);
  if (budget === null || !Number.isFinite(budget.memoryLimit)) return most;
  return Math.max(1, Math.min(most, Math.floor(budget.memoryLimit / (4 * blocksize))));
}
