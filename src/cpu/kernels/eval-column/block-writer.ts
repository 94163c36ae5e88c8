/**
 * Assembles one batch of a numeric or bool result from lanes computed block by block: each
 * block's values go straight into the batch's final typed array (or bitmap) at their offset,
 * so the scratch arrays of a block can be handed out again for the next one.
 */
import * as arrow from 'apache-arrow';
import { newTypedArray, type NumericDType } from '../../../dtype.js';
import { arrowTypeOf } from '../../../plan/value-type.js';
import { packBitsInto, type Lane } from './lane.js';

type Target = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array
  | BigInt64Array | BigUint64Array;


function bitmapBytes(n: number): number {
  return ((n + 511) & ~511) >> 3;
}

/**
 * One batch of `n` rows of type `type`, filled a block at a time; blocks start at multiples of 8.
 *
 * @example
 * const writer = new BlockWriter('bool', n);
 * writer.write(lane, 0, n);
 * const data = writer.finish();
 */
export class BlockWriter {
  private readonly values: Target;
  private readonly validity: Uint8Array;
  private nulls = 0;

  constructor(private readonly type: NumericDType | 'bool', private readonly n: number) {
    this.values = type === 'bool' ? new Uint8Array(bitmapBytes(n)) : newTypedArray(type, n);
    this.validity = new Uint8Array(bitmapBytes(n));
  }

  /** Rows [start, start + len) from `lane`. */
  write(lane: Lane, start: number, len: number): void {
    const at = start >> 3;
    if (lane.kind === 'null') {
      // The arrays start zeroed: null rows with zero values.
      this.nulls += len;
      return;
    }
    if (lane.kind === 'opaque' || lane.kind === 'str') throw new TypeError(`a ${this.type} result cannot take a ${lane.kind} lane`);
    if (lane.valid === null) this.nulls += len - packBitsInto(ONE, 0, len, this.validity, at);
    else this.nulls += len - packBitsInto(lane.valid, 1, len, this.validity, at);
    if (lane.kind === 'bool') {
      packBitsInto(lane.values, lane.stride, len, this.values as Uint8Array, at);
    } else if (lane.stride === 0) {
      (this.values as Float64Array).fill(lane.values[0] as never, start, start + len);
    } else {
      (this.values as Float64Array).set(lane.values.subarray(0, len) as never, start);
    }
  }

  finish(): arrow.Data {
    return arrow.makeData({
      type: arrowTypeOf(this.type),
      length: this.n,
      nullCount: this.nulls,
      nullBitmap: this.nulls > 0 ? this.validity : null,
      data: this.values,
    } as never);
  }
}

const ONE = Uint8Array.of(1);
