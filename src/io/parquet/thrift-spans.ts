/**
 * Thrift compact protocol at the byte level, for rewriting a Parquet footer: a struct is read
 * as the list of its fields with the byte span of each value, so a rewrite can copy the fields
 * it keeps verbatim and re-encode only the few it changes. (`thrift-compact.ts` decodes values;
 * this module keeps positions, which a decoded tree has lost.)
 */
import { COMPACT_TYPE } from '../thrift-compact.js';

/** Compact protocol type ids (the decoder's). */
export const CT = COMPACT_TYPE;

/** Bytes that are not a well-formed compact-protocol struct. */
export class ThriftSpanError extends Error {}

/** One field of a struct: its id, its type, and where its value lies (`[valueStart, end)`). */
export interface SpanField {
  id: number;
  type: number;
  valueStart: number;
  end: number;
}

const MAX_DEPTH = 64;

function byteAt(bytes: Uint8Array, pos: number): number {
  if (pos >= bytes.length) throw new ThriftSpanError(`unexpected end of data at byte ${pos}`);
  return bytes[pos]!;
}

/**
 * An unsigned varint at `pos`: its value and the position after it.
 *
 * @example
 * readVarint(Uint8Array.of(0xac, 0x02), 0); // { value: 300n, end: 2 }
 */
export function readVarint(bytes: Uint8Array, pos: number): { value: bigint; end: number } {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    const b = byteAt(bytes, pos++);
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value, end: pos };
    shift += 7n;
    if (shift > 70n) throw new ThriftSpanError(`varint longer than 10 bytes at byte ${pos}`);
  }
}

/**
 * A zigzag-encoded integer (i16, i32 or i64) at `pos`.
 *
 * @example
 * readZigzag(Uint8Array.of(0x03), 0); // { value: -2n, end: 1 }
 */
export function readZigzag(bytes: Uint8Array, pos: number): { value: bigint; end: number } {
  const { value, end } = readVarint(bytes, pos);
  return { value: BigInt.asIntN(64, (value >> 1n) ^ -(value & 1n)), end };
}

/**
 * The header of a list or set at `pos`: element count and type, and where the elements start.
 *
 * @example
 * readListHeader(Uint8Array.of(0x2c), 0); // { size: 2, elemType: CT.STRUCT, start: 1 }
 */
export function readListHeader(bytes: Uint8Array, pos: number): { size: number; elemType: number; start: number } {
  const header = byteAt(bytes, pos);
  const elemType = header & 0x0f;
  if ((header >> 4) !== 15) return { size: header >> 4, elemType, start: pos + 1 };
  const { value, end } = readVarint(bytes, pos + 1);
  if (value > BigInt(bytes.length)) throw new ThriftSpanError(`list of ${value} elements at byte ${pos} cannot fit`);
  return { size: Number(value), elemType, start: end };
}

/**
 * The position just after the value of compact type `type` that starts at `pos`.
 *
 * @example
 * skipValue(Uint8Array.of(0x02, 0x61, 0x62), 0, CT.BINARY); // 3
 */
export function skipValue(bytes: Uint8Array, pos: number, type: number, depth = 0): number {
  if (depth > MAX_DEPTH) throw new ThriftSpanError(`values nested deeper than ${MAX_DEPTH}`);
  switch (type) {
    case CT.BOOL_TRUE:
    case CT.BOOL_FALSE:
      return pos; // a struct field's boolean lives in its header
    case CT.BYTE:
      byteAt(bytes, pos);
      return pos + 1;
    case CT.I16:
    case CT.I32:
    case CT.I64:
      return readVarint(bytes, pos).end;
    case CT.DOUBLE:
      byteAt(bytes, pos + 7);
      return pos + 8;
    case CT.BINARY: {
      const { value, end } = readVarint(bytes, pos);
      if (value > BigInt(bytes.length - end)) throw new ThriftSpanError(`binary at byte ${pos} runs past the end`);
      return end + Number(value);
    }
    case CT.LIST:
    case CT.SET: {
      const { size, elemType, start } = readListHeader(bytes, pos);
      let p = start;
      for (let i = 0; i < size; i++) {
        // In lists, booleans take one byte each.
        p = elemType === CT.BOOL_TRUE || elemType === CT.BOOL_FALSE ? p + 1 : skipValue(bytes, p, elemType, depth + 1);
      }
      return p;
    }
    case CT.MAP: {
      const { value, end } = readVarint(bytes, pos);
      if (value === 0n) return end;
      const types = byteAt(bytes, end);
      let p = end + 1;
      for (let i = 0n; i < value; i++) {
        p = skipValue(bytes, p, types >> 4, depth + 1);
        p = skipValue(bytes, p, types & 0x0f, depth + 1);
      }
      return p;
    }
    case CT.STRUCT:
      return readStruct(bytes, pos, depth + 1).end;
    default:
      throw new ThriftSpanError(`unknown compact type ${type} at byte ${pos}`);
  }
}

/**
 * The fields of the struct at `pos`, and the position after its stop byte.
 *
 * @example
 * const { fields } = readStruct(footerBytes, 0); // FileMetaData's fields
 */
export function readStruct(bytes: Uint8Array, pos: number, depth = 0): { fields: SpanField[]; end: number } {
  const fields: SpanField[] = [];
  let id = 0;
  for (;;) {
    const header = byteAt(bytes, pos++);
    if (header === 0) return { fields, end: pos };
    const delta = header >> 4;
    const type = header & 0x0f;
    if (delta === 0) {
      const r = readZigzag(bytes, pos);
      id = Number(r.value);
      pos = r.end;
    } else id += delta;
    const end = skipValue(bytes, pos, type, depth);
    fields.push({ id, type, valueStart: pos, end });
    pos = end;
  }
}

/**
 * The elements of the list at `pos` as spans (`[start, end)` of each element).
 *
 * @example
 * const { items } = readListSpans(footerBytes, rowGroupsField.valueStart);
 */
export function readListSpans(bytes: Uint8Array, pos: number): { elemType: number; items: { start: number; end: number }[] } {
  const { size, elemType, start } = readListHeader(bytes, pos);
  const items: { start: number; end: number }[] = [];
  let p = start;
  for (let i = 0; i < size; i++) {
    const end = skipValue(bytes, p, elemType);
    items.push({ start: p, end });
    p = end;
  }
  return { elemType, items };
}

/**
 * Writes compact-protocol bytes; struct field ids are delta-encoded against the enclosing struct.
 *
 * @example
 * const bytes = new CompactWriter().beginStruct().field(3, CT.I64).int(42n).endStruct().bytes();
 */
export class CompactWriter {
  private buf = new Uint8Array(1024);
  private length = 0;
  private readonly lastIds: number[] = [];

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  varint(value: bigint): this {
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
    return this;
  }

  /** An i16/i32/i64 value, zigzag-encoded. */
  int(value: bigint | number): this {
    const v = BigInt.asIntN(64, BigInt(value));
    return this.varint((v << 1n) ^ (v >> 63n));
  }

  binary(bytes: Uint8Array): this {
    this.varint(BigInt(bytes.length));
    return this.raw(bytes);
  }

  listHeader(size: number, elemType: number): this {
    if (size < 15) this.byte((size << 4) | elemType);
    else {
      this.byte(0xf0 | elemType);
      this.varint(BigInt(size));
    }
    return this;
  }

  beginStruct(): this {
    this.lastIds.push(0);
    return this;
  }

  /** A field header; the value (if its type has one) is written next. */
  field(id: number, type: number): this {
    const last = this.lastIds[this.lastIds.length - 1] ?? 0;
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.int(id);
    }
    this.lastIds[this.lastIds.length - 1] = id;
    return this;
  }

  /** Copies a field read by `readStruct` from `source` unchanged. */
  copyField(source: Uint8Array, f: SpanField): this {
    return this.field(f.id, f.type).raw(source.subarray(f.valueStart, f.end));
  }

  endStruct(): this {
    this.byte(0);
    this.lastIds.pop();
    return this;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
