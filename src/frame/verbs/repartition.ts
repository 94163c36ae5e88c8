/**
 * repartition: the same rows in the same order, cut into `npartitions` partitions of about equal
 * rows, or into partitions of about `partitionSize` bytes (in memory, as Arrow buffers).
 */
import { PlanError } from '../../errors.js';
import type { PlanNode, RepartitionNode } from '../../plan/logical-plan.js';
import { parseSize } from '../../size.js';

export interface RepartitionOptions {
  npartitions?: number;
  /** Bytes per partition: a number or a size such as '100MB'. */
  partitionSize?: number | string;
}

export function repartition(input: PlanNode, options: RepartitionOptions): RepartitionNode {
  const { npartitions, partitionSize } = options;
  if ((npartitions === undefined) === (partitionSize === undefined)) {
    throw new PlanError('BAD_OPTION', 'repartition: give exactly one of npartitions and partitionSize');
  }
  if (npartitions !== undefined) {
    if (!Number.isInteger(npartitions) || npartitions < 1) throw new PlanError('BAD_OPTION', `repartition: npartitions must be a positive integer, not ${npartitions}`);
    return { kind: 'repartition', input, target: { npartitions }, schema: input.schema };
  }
  const bytes = parseSize(partitionSize!, 'partitionSize');
  if (bytes < 1) throw new PlanError('BAD_OPTION', `repartition: partitionSize must be positive, not ${String(partitionSize)}`);
  return { kind: 'repartition', input, target: { partitionSize: bytes }, schema: input.schema };
}
