/**
 * merge: pairs the rows of two frames with equal keys, SQL style: inner, left, right, outer,
 * semi, anti; several key columns; null keys never match. With `on` the key columns have one
 * name on both sides and appear once in the output (coalesced in outer and right joins); with
 * `leftOn`/`rightOn` both sides' key columns appear. Other columns present on both sides get
 * `suffixes` (`['_x', '_y']`). Key types must be comparable (integers with integers, floats
 * with floats, strings with strings, ...): checked here, before any data is read.
 */
import { PlanError } from '../../errors.js';
import { joinSchema } from '../../cpu/kernels/join-tables.js';
import { keyEncodings, type JoinHow } from '../../cpu/kernels/key-words.js';
import type { JoinNode, PlanNode } from '../../plan/logical-plan.js';
import { checkColumn } from './schema-of.js';

export interface MergeOptions {
  /** Key column(s) with the same name on both sides. */
  on?: string | string[];
  leftOn?: string | string[];
  rightOn?: string | string[];
  /** Default 'inner'. */
  how?: JoinHow;
  /** Added to the names of non-key columns present on both sides (default ['_x', '_y']). */
  suffixes?: [string, string];
  /**
   * Broadcast the small side to every partition of the other (true), always shuffle both by key
   * hash (false), or decide by the computed size of the side that can be broadcast (default).
   */
  broadcast?: boolean;
}

const HOWS: readonly JoinHow[] = ['inner', 'left', 'right', 'outer', 'semi', 'anti'];

function names(x: string | string[] | undefined): string[] | undefined {
  return x === undefined ? undefined : typeof x === 'string' ? [x] : [...x];
}

export function merge(left: PlanNode, right: PlanNode, options: MergeOptions): JoinNode {
  const how = options.how ?? 'inner';
  if (!HOWS.includes(how)) throw new PlanError('BAD_OPTION', `merge: how must be one of ${HOWS.join(', ')}, not '${String(how)}'`);
  const on = names(options.on);
  let leftOn = names(options.leftOn);
  let rightOn = names(options.rightOn);
  if (on !== undefined) {
    if (leftOn !== undefined || rightOn !== undefined) throw new PlanError('BAD_OPTION', 'merge: give either on, or leftOn and rightOn, not both');
    leftOn = on;
    rightOn = on;
  }
  if (leftOn === undefined || rightOn === undefined) throw new PlanError('BAD_OPTION', 'merge: say which columns to join on: { on } or { leftOn, rightOn }');
  if (leftOn.length === 0 || leftOn.length !== rightOn.length) {
    throw new PlanError('BAD_OPTION', `merge: leftOn and rightOn need the same number of columns, at least one (got [${leftOn.join(', ')}] and [${rightOn.join(', ')}])`);
  }
  const suffixes = options.suffixes ?? ['_x', '_y'];
  if (!Array.isArray(suffixes) || suffixes.length !== 2 || suffixes.some((s) => typeof s !== 'string') || suffixes[0] === suffixes[1]) {
    throw new PlanError('BAD_OPTION', 'merge: suffixes must be two different strings, such as [\'_x\', \'_y\']');
  }
  if (options.broadcast !== undefined && typeof options.broadcast !== 'boolean') throw new PlanError('BAD_OPTION', 'merge: broadcast must be true or false');
  const leftTypes = leftOn.map((c) => checkColumn(left, c, 'merge (left)').type);
  const rightTypes = rightOn.map((c) => checkColumn(right, c, 'merge (right)').type);
  keyEncodings(leftTypes, rightTypes, { left: leftOn, right: rightOn });
  const node: Omit<JoinNode, 'schema'> = {
    kind: 'join', left, right, how, leftOn, rightOn, suffixes: [suffixes[0], suffixes[1]], broadcast: options.broadcast ?? null,
  };
  return { ...node, schema: joinSchema(left.schema, right.schema, node) };
}
