/**
 * Dusk's error classes. Every error the engine raises is a `DuskError` with a stable `code`;
 * the subclasses say which layer found the problem. The original error, when there is one, is
 * kept as `cause`, and messages name the column, operator, partition or file they are about.
 */

/** Options shared by every Dusk error. */
export interface DuskErrorOptions {
  cause?: unknown;
}

/** Base class of every error Dusk raises. `code` is stable and meant for programs. */
export class DuskError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options: DuskErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** A column that does not exist, or a schema that does not fit the operation. */
export class SchemaError extends DuskError {}

/** A plan that cannot be built, such as an operation on a column of the wrong type. */
export class PlanError extends DuskError {}

/** A file that is missing, unreadable, corrupt, or cannot be written. */
export class IoError extends DuskError {}

/** No usable GPU where one was required, or a device that was lost. */
export class DeviceError extends DuskError {}

/** A kernel that failed to compile, dispatch or read back. */
export class KernelError extends DuskError {}

/** A CPU worker thread that failed or died. */
export class WorkerError extends DuskError {}

/** Work that cannot fit under the configured memory limits. */
export class MemoryLimitError extends DuskError {}

/** Where a failed task ran. */
export interface TaskErrorDetails {
  operator: string;
  partition: number;
  device: 'gpu' | 'cpu' | 'sync';
  cause: unknown;
  /** How many times the task ran (1 when it was not retried). */
  attempts?: number;
}

/** A task that failed while computing; `cause` is the specific error (of the last attempt). */
export class TaskError extends DuskError {
  readonly operator: string;
  readonly partition: number;
  readonly device: 'gpu' | 'cpu' | 'sync';
  /** How many times the task ran before Dusk gave up (1: it was not retried). */
  readonly attempts: number;

  constructor(details: TaskErrorDetails) {
    const reason = details.cause instanceof Error ? details.cause.message : String(details.cause);
    const attempts = details.attempts ?? 1;
    const tries = attempts === 1 ? '' : ` after ${attempts} attempts`;
    super(
      'TASK_FAILED',
      `${details.operator} failed on partition ${details.partition} (${details.device})${tries}: ${reason}`,
      { cause: details.cause },
    );
    this.operator = details.operator;
    this.partition = details.partition;
    this.device = details.device;
    this.attempts = attempts;
  }
}

/** An error as plain data, to cross from a worker thread with its class and code intact. */
export interface ErrorData {
  name: string;
  code: string | null;
  message: string;
  stack: string | undefined;
  cause: ErrorData | null;
}

const ERROR_CLASSES: Record<string, new (code: string, message: string, options?: DuskErrorOptions) => DuskError> = {
  DuskError, SchemaError, PlanError, IoError, DeviceError, KernelError, WorkerError, MemoryLimitError,
};

export function errorToData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', code: null, message: String(error), stack: undefined, cause: null };
  return {
    name: error.name,
    code: error instanceof DuskError ? error.code : null,
    message: error.message,
    stack: error.stack,
    cause: error.cause === undefined ? null : errorToData(error.cause),
  };
}

/** The error `errorToData` described: a Dusk error of the same class and code, else an Error. */
export function errorFromData(data: ErrorData): Error {
  const cause = data.cause === null ? undefined : errorFromData(data.cause);
  const options = cause === undefined ? {} : { cause };
  let error: Error;
  if (data.code !== null) {
    const Class = ERROR_CLASSES[data.name] ?? DuskError;
    error = new Class(data.code, data.message, options);
  } else {
    error = new Error(data.message, options);
    error.name = data.name;
  }
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}
