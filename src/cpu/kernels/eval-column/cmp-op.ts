/**
 * The six comparison operators as data: which answer each gives for a left side below, equal
 * to or above the right, and which operator answers the same with the operands swapped. Every
 * comparison kernel computes a three-way sign and looks its answer up here.
 */
export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** For each op, the answer (0 or 1) at index sign + 1. */
export const CMP_RESULT: Readonly<Record<CmpOp, Uint8Array>> = {
  eq: Uint8Array.of(0, 1, 0),
  ne: Uint8Array.of(1, 0, 1),
  lt: Uint8Array.of(1, 0, 0),
  le: Uint8Array.of(1, 1, 0),
  gt: Uint8Array.of(0, 0, 1),
  ge: Uint8Array.of(0, 1, 1),
};

/** The op that gives the same answer with the operands swapped. */
export const FLIPPED: Readonly<Record<CmpOp, CmpOp>> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };
