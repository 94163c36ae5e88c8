/**
 * Dusk: lazy, partitioned dataframes and chunked arrays for Node.js, with WGSL kernels on
 * WebGPU and a CPU worker-thread twin of each. This barrel is the public API.
 */
export { Client } from './client.js';
export type { ClientEvents, ClientInfo, ClientOptions, ClientReduceOptions, ClientStats, SchedulerMode } from './client.js';
export type { TaskEvent } from './exec/executor.js';
export type { ComputeFigures, ProgressStream } from './frame/progress.js';
export {
  DuskError,
  SchemaError,
  PlanError,
  IoError,
  DeviceError,
  KernelError,
  WorkerError,
  MemoryLimitError,
  TaskError,
} from './errors.js';
export type { NumericDType } from './dtype.js';
export type { AdapterReport } from './gpu/gpu-context.js';
export type { GpuMode } from './gpu/acquire-gpu.js';
export type { ReduceOp, ReduceValue } from './reduce/reduce-partial.js';
export type { ReduceDevice, ReduceResult } from './reduce/reduce-column.js';
export { parseSize } from './size.js';
export { col, lit, when, Expr, When, WhenThen } from './plan/expr.js';
export type { CastType, ExprLike, LiteralValue } from './plan/expr.js';
export { readParquet, readCsv, fromArrow, fromArrays, DataFrame, GroupBy } from './frame/index.js';
export type {
  AggSpecInput, ComputeOptions, DropDuplicatesOptions, FromArrowOptions, GroupByOptions, MapMeta, MergeOptions, ParquetCompression,
  PartitionFunction, ReadCsvOptions, ReadParquetOptions, RepartitionOptions, SortValuesOptions, ToParquetOptions,
} from './frame/index.js';
export type { AggFn } from './cpu/kernels/group-by.js';
export type { JoinHow } from './cpu/kernels/key-words.js';
export { array, compute, ChunkedArray } from './array/index.js';
export type {
  ArrayComputeOptions, ArrayDType, ArrayOperand, ArrayResult, BlockFunction, ChunksInput, Computable, Computed, CreateOptions, RandomOptions,
  ReduceOptions, VarianceOptions,
} from './array/index.js';
