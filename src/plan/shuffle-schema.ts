/** The columns of a shuffle's output partitions: a join's joined columns, else its input's. */
import type * as arrow from 'apache-arrow';
import { joinSchema } from '../cpu/kernels/join-tables.js';
import type { Shuffle } from './stage.js';

export function shuffleSchema(shuffle: Shuffle): arrow.Schema {
  return shuffle.kind === 'join' ? joinSchema(shuffle.left.schema, shuffle.right.schema, shuffle.spec) : shuffle.input.schema;
}
