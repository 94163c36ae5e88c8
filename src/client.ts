/**
 * The client: owns what work runs on (the GPU device, the CPU worker pool) and what it holds
 * (the memory manager, with its spill directory), counts tasks over its life, and relays the
 * task and memory events of its computations to `on()` listeners.
 */
import type { Vector } from 'apache-arrow';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { CpuPool } from './cpu/cpu-pool.js';
import { DeviceError, DuskError } from './errors.js';
import { cancellation, checkRetries, type ExecContext, type ExecStats, type TaskEvent } from './exec/executor.js';
import { acquireGpu, type GpuMode } from './gpu/acquire-gpu.js';
import type { AdapterReport, GpuContext } from './gpu/gpu-context.js';
import type { PoolStats } from './gpu/buffer-pool.js';
import { reduceColumn, type ReduceDevice, type ReduceResult } from './reduce/reduce-column.js';
import type { ReduceOp } from './reduce/reduce-partial.js';
import type { BlockBudget } from './sched/blocksize.js';
import { CostModel } from './sched/cost-model.js';
import { Placer } from './sched/placer.js';
import { MemoryManager, type MemoryEvents, type MemoryStats } from './sched/memory-manager.js';
import { parseSize } from './size.js';

export interface ClientOptions {
  /** `auto` uses a GPU when found, `off` never touches one, `require` fails without one. */
  gpu?: GpuMode;
  /** CPU worker threads (default: available parallelism). */
  workers?: number;
  /**
   * Host bytes the engine may hold (default: half the machine's memory). Enforced for the
   * partitions `persist()` keeps: above it, the least recently used go to `spillDir`. Sources
   * being read and intermediate results are not counted or spilled yet.
   */
  memoryLimit?: string | number;
  /** Where the client makes its own spill directory, removed by `close()` (default: `os.tmpdir()`). */
  spillDir?: string;
  /** Device bytes the buffer pool may hold. */
  gpuMemoryLimit?: string | number;
  /** Cap on one storage binding, in bytes; the device's own limit when not set. */
  maxBindingSize?: number;
  /**
   * Where DataFrame work runs: `cpu` on the worker threads, `sync` on the main thread (for
   * debugging), `gpu` puts every operation that has a GPU kernel on the GPU, and `auto` (the
   * default) uses the GPU for those only when it is a hardware adapter.
   */
  scheduler?: SchedulerMode;
  /**
   * Times a failed task runs again when its failure may be transient (a worker thread that
   * died, a lost GPU device, an error that is not Dusk's own); bad data, bad plans and
   * overflows fail at once. Default 1; `compute({ retries })` overrides it per call.
   */
  retries?: number;
}

export type SchedulerMode = 'auto' | 'gpu' | 'cpu' | 'sync';

/** What `client.on(name, listener)` passes to its listeners, by event name. */
export interface ClientEvents {
  /** A partition, merge or GPU reduction task of a computation finished. */
  task: TaskEvent;
  /** The bytes the memory manager holds changed. */
  memory: MemoryStats;
  /** A persisted partition left memory for the spill directory. */
  spill: MemoryEvents['spill'];
}

/** What `client.stats()` reports, counted over the client's life. */
export interface ClientStats {
  /** Task attempts started per device (a retried task counts once per attempt). */
  tasks: { gpu: number; cpu: number; sync: number };
  /** Bytes of persisted partitions written out of memory to disk, over the client's life. */
  bytesSpilled: number;
  /** Bytes of persisted partitions in memory now (the memory manager's count). */
  bytesHeld: number;
  /** Highest resident set size of the process seen when a task finished, in bytes. */
  peakMemory: number;
  /** Partitions planned for the GPU that ran on the CPU after all, each with the GPU's reason (the latest 100). */
  gpuFallbacks: string[];
  /**
   * Where the scheduler placed the partitions that had a GPU kernel, and why: each line names
   * the operator and partition, the device, and the estimates it compared (the latest 100).
   */
  placements: string[];
}

/** What `client.info()` reports. */
export interface ClientInfo {
  gpu: AdapterReport | null;
  /** Why no GPU is in use, when none is. */
  gpuUnavailable: string[];
  workers: number;
  scheduler: SchedulerMode;
  memoryLimit: number;
  gpuMemoryLimit: number | null;
  gpuMemory: PoolStats | null;
}

export interface ClientReduceOptions {
  column?: string;
  /** Default: the GPU when the client has one, else the CPU pool. */
  device?: ReduceDevice;
  ddof?: number;
}

const clients: Client[] = [];
let defaultClient: Promise<Client> | null = null;
const SCHEDULERS: readonly SchedulerMode[] = ['auto', 'gpu', 'cpu', 'sync'];

/**
 * Owns the resources work runs on: the GPU device (if any) and the CPU worker pool. Make one
 * with `Client.create()` and end it with `close()`; worker threads never keep the process alive.
 *
 * @example
 * const client = await Client.create({ gpu: 'auto', workers: 2 });
 * console.log(client.info().gpu?.name);
 * await client.close();
 */
export class Client {
  private closed = false;
  private readonly execStats: ExecStats = { tasks: { gpu: 0, cpu: 0, sync: 0 }, peakMemory: 0, gpuFallbacks: [] };
  /** Task times per operator family and device, measured as tasks finish, for the client's life. */
  private readonly costModel = new CostModel();
  private readonly placements: string[] = [];
  // Keyed by event name; each set holds listeners of that name's event type only (see on()).
  private readonly listeners = new Map<keyof ClientEvents, Set<(event: never) => void>>();
  private listenerFailed = false;

  private constructor(
    private readonly gpuContext: GpuContext | null,
    private readonly gpuUnavailable: string[],
    private readonly pool: CpuPool,
    private readonly memoryLimit: number,
    readonly scheduler: SchedulerMode,
    /** Times a task whose failure may be transient runs again (`ClientOptions.retries`). */
    readonly retries: number,
    /** @internal Counts what the client holds (persisted partitions) and spills it above `memoryLimit`. */
    readonly memory: MemoryManager,
  ) {
    memory.on('memory', (event) => this.emit('memory', event));
    memory.on('spill', (event) => this.emit('spill', event));
  }

  static async create(options: ClientOptions = {}): Promise<Client> {
    const memoryLimit = options.memoryLimit === undefined ? Math.floor(totalmem() / 2) : parseSize(options.memoryLimit, 'memoryLimit');
    const gpuOptions: Parameters<typeof acquireGpu>[0] = { mode: options.gpu ?? 'auto' };
    if (options.gpuMemoryLimit !== undefined) gpuOptions.gpuMemoryLimit = parseSize(options.gpuMemoryLimit, 'gpuMemoryLimit');
    if (options.maxBindingSize !== undefined) gpuOptions.maxBindingSize = options.maxBindingSize;
    const scheduler = options.scheduler ?? 'auto';
    const retries = options.retries === undefined ? 1 : checkRetries(options.retries, 'Client.create');
    if (!SCHEDULERS.includes(scheduler)) {
      throw new DuskError('BAD_OPTION', `scheduler must be one of ${SCHEDULERS.join(', ')}, not ${JSON.stringify(scheduler)}`);
    }
    if (scheduler === 'gpu' && gpuOptions.mode === 'off') {
      throw new DeviceError('NO_GPU', "scheduler: 'gpu' needs a GPU, but gpu is 'off'");
    }
    const { gpu, reasons } = await acquireGpu(scheduler === 'gpu' && gpuOptions.mode === 'auto' ? { ...gpuOptions, mode: 'require' } : gpuOptions);
    if (options.spillDir !== undefined && (typeof options.spillDir !== 'string' || options.spillDir === '')) {
      throw new DuskError('BAD_OPTION', `spillDir must be a directory path, not ${JSON.stringify(options.spillDir)}`);
    }
    const memory = new MemoryManager({ limit: memoryLimit, spillDir: options.spillDir ?? tmpdir() });
    const pool = new CpuPool(options.workers ?? availableParallelism());
    const client = new Client(gpu, reasons, pool, memoryLimit, scheduler, retries, memory);
    clients.push(client);
    return client;
  }

  /** The most recently created client that is still open, if any. */
  static current(): Client | null {
    return clients[clients.length - 1] ?? null;
  }

  /** The current client, or a default one made now (it never keeps the process alive). */
  static async currentOrDefault(): Promise<Client> {
    return Client.current() ?? (await (defaultClient ??= Client.create().finally(() => { defaultClient = null; })));
  }

  /** Where DataFrame tasks run, for the executor (the scheduler's seam). */
  execContext(): ExecContext {
    this.assertOpen();
    return {
      device: this.scheduler === 'sync' ? 'sync' : 'cpu',
      pool: this.pool,
      gpu: this.gpuContext,
      workers: this.pool.workers,
      stats: this.execStats,
      placer: new Placer({
        mode: this.scheduler,
        gpuAvailable: this.gpuContext !== null,
        gpuSoftware: this.gpuContext?.report.software ?? false,
        cpuWorkers: this.pool.workers,
        model: this.costModel,
        log: this.placements,
      }),
      retries: this.retries,
      memory: this.memory,
      cancel: cancellation(),
      onTask: (event) => this.emit('task', event),
    };
  }

  /** What the default block size of a scan follows: the memory limit and the CPU workers. */
  blockBudget(): BlockBudget {
    return { memoryLimit: this.memoryLimit, workers: this.pool.workers };
  }

  /** Whether whole-frame numeric reductions run on the GPU, and why (explain() says). */
  gpuReductions(): { use: boolean; why: string } {
    if (this.gpuContext === null) return { use: false, why: 'no GPU adapter' };
    switch (this.scheduler) {
      case 'gpu':
        return { use: true, why: "scheduler: 'gpu'" };
      case 'auto':
        return this.gpuContext.report.software
          ? { use: false, why: `the GPU is a software rasterizer (${this.gpuContext.report.name}); scheduler 'gpu' forces it` }
          : { use: true, why: 'hardware GPU adapter; each partition goes to the GPU or a CPU worker, whichever the measured costs say finishes first' };
      default:
        return { use: false, why: `scheduler: '${this.scheduler}'` };
    }
  }

  /**
   * Tasks run per device, bytes spilled and peak memory over the client's life, and the bytes
   * held now.
   *
   * @example
   * const { bytesSpilled, bytesHeld } = client.stats();
   */
  stats(): ClientStats {
    // Peak memory is the process's resident set, sampled as tasks finish; bytes held and
    // spilled are the memory manager's (persisted partitions only, for now).
    const { bytesSpilled, bytesHeld } = this.memory.stats();
    return { tasks: { ...this.execStats.tasks }, bytesSpilled, bytesHeld, peakMemory: this.execStats.peakMemory, gpuFallbacks: [...this.execStats.gpuFallbacks], placements: [...this.placements] };
  }

  /**
   * Calls `listener` on each event of that name: `task` as each task of a computation finishes,
   * `memory` when the bytes held change, `spill` when a persisted partition goes to disk.
   * Returns a function that unsubscribes it. Listeners run synchronously, inside the
   * computation: keep them short. One that throws does not fail the computation: the first
   * such error of this client is written to stderr as a warning (DUSK_LISTENER), later ones
   * are ignored.
   *
   * @example
   * const off = client.on('task', (e) => console.log(`${e.operator} #${e.partition} on ${e.device}: ${e.ms.toFixed(1)} ms`));
   * await df.compute();
   * off();
   */
  on<K extends keyof ClientEvents>(name: K, listener: (event: ClientEvents[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) this.listeners.set(name, (set = new Set()));
    const listeners = set;
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }

  get gpu(): GpuContext | null {
    return this.gpuContext;
  }

  info(): ClientInfo {
    return {
      gpu: this.gpuContext?.report ?? null,
      gpuUnavailable: this.gpuContext === null ? this.gpuUnavailable : [],
      workers: this.pool.workers,
      scheduler: this.scheduler,
      memoryLimit: this.memoryLimit,
      gpuMemoryLimit: this.gpuContext?.pool.limit ?? null,
      gpuMemory: this.gpuContext?.pool.snapshot() ?? null,
    };
  }

  /**
   * Reduces one numeric Arrow vector: `count sum min max mean var std`.
   *
   * @example
   * const { values } = await client.reduce(table.getChild('v')!, ['sum', 'mean'], { column: 'v' });
   */
  reduce(vector: Vector, ops: readonly ReduceOp[], options: ClientReduceOptions = {}): Promise<ReduceResult> {
    this.assertOpen();
    return reduceColumn(vector, ops, {
      column: options.column ?? 'column',
      device: options.device ?? (this.gpuContext !== null ? 'gpu' : 'cpu'),
      gpu: this.gpuContext,
      pool: this.pool,
      ...(options.ddof === undefined ? {} : { ddof: options.ddof }),
    });
  }

  /**
   * Ends the client: frees the GPU device and the worker threads, forgets every persisted
   * partition and deletes the spill directory with its files. Calling it again does nothing.
   *
   * @example
   * const client = await Client.create({ memoryLimit: '1GB', spillDir: '/scratch' });
   * try { await (await df.persist()).count(); } finally { await client.close(); }
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clients.splice(clients.indexOf(this), 1);
    try {
      this.gpuContext?.destroy();
      await this.pool.destroy();
    } finally {
      await this.memory.close();
    }
  }

  private emit<K extends keyof ClientEvents>(name: K, event: ClientEvents[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as (event: ClientEvents[K]) => void)(event);
      } catch (cause) {
        // A progress display or a logger must not fail the work it watches.
        if (this.listenerFailed) continue;
        this.listenerFailed = true;
        const reason = cause instanceof Error ? cause.message : String(cause);
        process.emitWarning(`a '${name}' listener of a Dusk client threw (${reason}); the computation goes on, and later listener errors of this client are ignored`, { code: 'DUSK_LISTENER' });
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new DuskError('CLIENT_CLOSED', 'this client is closed; create a new one with Client.create()');
  }
}
