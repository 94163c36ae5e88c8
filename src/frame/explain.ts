/** `explain()`: the optimized plan, stage by stage, with partitions and devices. */
import { readColumns } from '../exec/run-stage.js';
import { planParquetPieces } from '../io/parquet/parquet-dataset.js';
import { csvPartitionCount } from '../io/csv/csv-dataset.js';
import type { ScanNode } from '../plan/logical-plan.js';
import type { Stage, StageOp } from '../plan/stage.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function scanLine(scan: ScanNode): string {
  const source = scan.source;
  const read = readColumns(scan);
  let parts = '';
  switch (source.kind) {
    case 'parquet': {
      const p = planParquetPieces(source.dataset, { columns: read, predicate: scan.predicate, blocksize: source.blocksize });
      parts = `${plural(p.pieces.length, 'partition')}; row groups: ${p.rowGroups - p.skippedRowGroups} of ${p.rowGroups} read (${p.skippedRowGroups} skipped by statistics)`;
      break;
    }
    case 'csv':
      parts = plural(csvPartitionCount(source.dataset), 'partition');
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
  }
}

function stageLines(stage: Stage, out: string[]): number {
  const n = stage.input.kind === 'stage' ? stageLines(stage.input.stage, out) + 1 : 1;
  const end = stage.end;
  const onGpu = (end.kind === 'aggregate' && end.gpuPlan !== undefined) || (end.kind === 'collect' && end.gpuPlan !== undefined);
  out.push(`stage ${n}: one fused task per partition (${onGpu ? 'read by the cpu workers, computed on the GPU' : 'cpu workers'})`);
  if (stage.input.kind === 'scan') out.push(scanLine(stage.input.scan));
  else out.push(`    input: the ${stage.input.stage.end.kind === 'aggregate' ? 'aggregate' : 'partitions'} of stage ${n - 1}`);
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

export function explainStages(stage: Stage): string {
  const out: string[] = [];
  stageLines(stage, out);
  return out.join('\n');
}
