/**
 * A reader for Thrift's compact protocol, the encoding of Parquet's footer. It decodes into a
 * generic tree (a struct is a Map from field id to value), which `parquet-footer.ts` maps onto
 * the fields it needs; unknown fields are read and skipped by the same code.
 */

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftValue[] | ThriftStruct;
export type ThriftStruct = Map<number, ThriftValue>;

/** Compact protocol type ids. */
export const COMPACT_TYPE = {
  BOOL_TRUE: 1,
  BOOL_FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const;
const T = COMPACT_TYPE;

/** Thrown on bytes that are not a well-formed compact-protocol struct. */
export class ThriftDecodeError extends Error {}

const MAX_DEPTH = 64;

export class CompactReader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.pos;
  }

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new ThriftDecodeError(`unexpected end of data at byte ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new ThriftDecodeError(`varint longer than 10 bytes at byte ${this.pos}`);
    }
  }

  private zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  private smallInt(): number {
    return Number(BigInt.asIntN(32, this.zigzag()));
  }

  private binary(): Uint8Array {
    const length = Number(this.varint());
    if (this.pos + length > this.bytes.length) {
      throw new ThriftDecodeError(`binary of ${length} bytes runs past the end at byte ${this.pos}`);
    }
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  private value(type: number, depth: number): ThriftValue {
    switch (type) {
      case T.BOOL_TRUE:
        return true;
      case T.BOOL_FALSE:
        return false;
      case T.BYTE:
        return (this.byte() << 24) >> 24;
      case T.I16:
      case T.I32:
        return this.smallInt();
      case T.I64:
        return BigInt.asIntN(64, this.zigzag());
      case T.DOUBLE: {
        if (this.pos + 8 > this.bytes.length) throw new ThriftDecodeError(`double runs past the end at byte ${this.pos}`);
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case T.BINARY:
        return this.binary();
      case T.LIST:
      case T.SET:
        return this.list(depth + 1);
      case T.MAP:
        return this.map(depth + 1);
      case T.STRUCT:
        return this.struct(depth + 1);
      default:
        throw new ThriftDecodeError(`unknown compact type ${type} at byte ${this.pos}`);
    }
  }

  private list(depth: number): ThriftValue[] {
    const header = this.byte();
    let size = header >> 4;
    const elemType = header & 0x0f;
    if (size === 15) size = Number(this.varint());
    if (size > this.bytes.length - this.pos && elemType !== T.BOOL_TRUE && elemType !== T.BOOL_FALSE) {
      throw new ThriftDecodeError(`list of ${size} elements cannot fit in the ${this.bytes.length - this.pos} bytes left`);
    }
    const out: ThriftValue[] = [];
    for (let i = 0; i < size; i++) {
      // In lists, booleans are one byte each (1 true, 2 false in the compact encoding).
      out.push(elemType === T.BOOL_TRUE || elemType === T.BOOL_FALSE ? this.byte() === 1 : this.value(elemType, depth));
    }
    return out;
  }

  private map(depth: number): ThriftValue[] {
    const size = Number(this.varint());
    if (size === 0) return [];
    const types = this.byte();
    const out: ThriftValue[] = [];
    for (let i = 0; i < size; i++) out.push([this.value(types >> 4, depth), this.value(types & 0x0f, depth)]);
    return out;
  }

  /** Reads one struct, up to and including its stop byte. */
  struct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new ThriftDecodeError(`structs nested deeper than ${MAX_DEPTH}`);
    const out: ThriftStruct = new Map();
    let field = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return out;
      const delta = header >> 4;
      const type = header & 0x0f;
      field = delta === 0 ? this.smallInt() : field + delta;
      out.set(field, this.value(type, depth));
    }
  }
}
