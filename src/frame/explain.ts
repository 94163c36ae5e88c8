/** `explain()`: the optimized plan, stage by stage, with partitions and devices. */
import { readColumns } from '../exec/run-stage.js';
import { planParquetPieces } from '../io/parquet/parquet-dataset.js';
import { csvPartitionCount } from '../io/csv/csv-dataset.js';
import { scanBlocksize, type BlockBudget } from '../sched/blocksize.js';
import type { ScanNode } from '../plan/logical-plan.js';
import type { Shuffle, Stage, StageOp } from '../plan/stage.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function scanLine(scan: ScanNode, budget: BlockBudget | null): string {
  const source = scan.source;
  const read = readColumns(scan);
  let parts = '';
  switch (source.kind) {
    case 'parquet': {
      const p = planParquetPieces(source.dataset, { columns: read, predicate: scan.predicate, blocksize: scanBlocksize(source.blocksize, budget) });
      parts = `${plural(p.pieces.length, 'partition')}; row groups: ${p.rowGroups - p.skippedRowGroups} of ${p.rowGroups} read (${p.skippedRowGroups} skipped by statistics)`;
      break;
    }
    case 'csv':
      parts = plural(csvPartitionCount({ ...source.dataset, blocksize: scanBlocksize(source.blocksize, budget) }), 'partition');
      break;
    case 'memory':
      parts = plural(source.tables.length, 'partition');
      break;
  }
  const predicate = scan.predicate === null ? '' : `\n      pushed predicate: ${scan.predicate.key}`;
  return `    scan ${source.kind} ${source.label}\n      columns: [${scan.columns.join(', ')}]${read.length > scan.columns.length ? ` (reads [${read.join(', ')}])` : ''}${predicate}\n      ${parts}`;
}

function opLine(op: StageOp): string {
  switch (op.kind) {
    case 'filter':
      return `    filter ${op.predicate.key}`;
    case 'project':
      return `    project ${op.exprs.map((e) => (e.expr.node.kind === 'col' && e.expr.node.name === e.name ? e.name : `${e.name}=${e.expr.key}`)).join(', ')}`;
    case 'head':
      return `    head ${op.n}`;
    case 'mapPartitions':
      return `    mapPartitions ${op.fn.name} → [${op.schema.fields.map((f) => f.name).join(', ')}] (user function, cpu workers)`;
  }
}

function mb(bytes: number): string {
  return bytes === Infinity ? 'any size' : `${(bytes / 1e6).toFixed(0)} MB`;
}

/** What a shuffle does, in a few lines. */
function shuffleLines(shuffle: Shuffle, inputs: number[]): string[] {
  const from = inputs.map((n) => `stage ${n}`).join(' and ');
  switch (shuffle.kind) {
    case 'join': {
      const { spec } = shuffle;
      const on = spec.leftOn.map((k, i) => (k === spec.rightOn[i] ? k : `${k}=${spec.rightOn[i]}`)).join(', ');
      const sides = shuffle.broadcastSides.filter(() => shuffle.broadcastBytes > 0);
      const how = sides.length === 0
        ? `hash shuffle: both sides split by key hash into buckets (held by the memory manager), one join task per bucket${shuffle.broadcastBytes > 0 && shuffle.broadcastSides.length === 0 ? ` (a ${spec.how} join cannot broadcast a side)` : ''}`
        : `broadcast the ${sides.join(' or ')} side if it is at most ${mb(shuffle.broadcastBytes)} once computed (joined whole to each partition of the other), else hash shuffle into buckets`;
      return [`    merge ${spec.how} on [${on}] of ${from} (left, right)`, `      ${how}`, `      device: ${shuffle.device} (${shuffle.why})`];
    }
    case 'distinct':
      return [`    dropDuplicates subset=[${shuffle.subset.join(', ')}] keep=${String(shuffle.keep)} of ${from}`,
        '      keys split by hash with (partition, row) ids → kept rows per bucket → each partition keeps its rows, in order',
        `      device: ${shuffle.device} (${shuffle.why})`];
    case 'sort':
      return [`    sortValues by [${shuffle.by.map((k) => `${k.column}${k.descending ? ' desc' : ''}`).join(', ')}]${shuffle.nullsLast ? '' : ' nulls first'} of ${from}`,
        '      sample keys → range boundaries → split by range → stable sort per bucket (buckets in order)',
        `      device: ${shuffle.device} (${shuffle.why})`];
    case 'repartition':
      return [`    repartition ${'npartitions' in shuffle.target ? `into ${shuffle.target.npartitions} partitions` : `into partitions of ${mb(shuffle.target.partitionSize)}`} of ${from} (zero-copy slices, in order)`];
  }
}

function stageLines(stage: Stage, out: string[], counter: { n: number }, budget: BlockBudget | null): number {
  const input = stage.input;
  const inputs = input.kind === 'scan' ? [] : input.kind === 'stage' ? [stageLines(input.stage, out, counter, budget)]
    : input.shuffle.kind === 'join' ? [stageLines(input.shuffle.left, out, counter, budget), stageLines(input.shuffle.right, out, counter, budget)]
      : [stageLines(input.shuffle.input, out, counter, budget)];
  const n = ++counter.n;
  const end = stage.end;
  const onGpu = (end.kind === 'aggregate' && end.gpuPlan !== undefined) || (end.kind === 'collect' && end.gpuPlan !== undefined);
  out.push(`stage ${n}: one fused task per partition (${onGpu ? 'read by the cpu workers, computed on the GPU' : 'cpu workers'})`);
  if (input.kind === 'scan') out.push(scanLine(input.scan, budget));
  else if (input.kind === 'shuffle') out.push(...shuffleLines(input.shuffle, inputs));
  else out.push(`    input: the ${input.stage.end.kind === 'aggregate' ? 'aggregate' : 'partitions'} of stage ${inputs[0]}`);
  for (const op of stage.ops) out.push(opLine(op));
  switch (end.kind) {
    case 'collect':
      out.push(`  → collect partitions${end.why === undefined ? '' : `; device: ${end.gpuPlan !== undefined ? 'gpu' : 'cpu'} (${end.why})`}`);
      break;
    case 'head':
      out.push(`  → first ${end.n} rows (partitions read in order until enough)`);
      break;
    case 'aggregate': {
      const aggs = end.aggs.map((a) => `${a.name}=${a.fn}(${a.column ?? '*'})`).join(', ');
      const how = end.device === 'cpu'
        ? 'partial per partition → tree combine (split by key hash when groups are many) → finalize'
        : end.gpuPlan !== undefined
          ? 'partial per partition on the GPU (upload → expressions → hash aggregation, the filter read as a mask) → tree combine → finalize'
          : 'partitions → GPU reduce kernels per column';
      out.push(`  → aggregate keys=[${end.keys.join(', ')}] ${aggs}`);
      out.push(`    ${how}; device: ${end.device} (${end.why})`);
      if (end.orderBy.length > 0) out.push(`    order by ${end.orderBy.map((o) => `${o.column}${o.descending ? ' desc' : ''}`).join(', ')}`);
      break;
    }
  }
  return n;
}

/** The stages as text; `budget` (the client's memory limit and workers) sets the default block size of scans. */
export function explainStages(stage: Stage, budget: BlockBudget | null = null): string {
  const out: string[] = [];
  stageLines(stage, out, { n: 0 }, budget);
  return out.join('\n');
}
