/**
 * Interning of UTF-8 byte strings by content, without decoding them: an open-addressing table
 * whose slots hold the hash, the length and the first 20 bytes of their string inline, so a
 * lookup of a short string touches one cache line of the table and the row's own bytes, read a
 * word at a time. Ids are dense (0, 1, 2 ... in order of first sight); the strings are also kept
 * back to back in a pool. The content hash (murmur3) is the one `splitGroupPartial` buckets by,
 * so equal strings hash alike in every partition.
 */

/** Slot layout: hash, id + 1 (0 = empty), length, then INLINE words of the string's bytes. */
const STRIDE = 8;
const INLINE = 5;
const INLINE_BYTES = INLINE * 4;

/** The little-endian word of the 1 to 3 bytes [start, end), zero-padded. */
function tailWord(view: DataView, start: number, end: number): number {
  let w = 0;
  for (let k = start; k < end; k++) w |= view.getUint8(k) << (8 * (k - start));
  return w;
}

function mixWord(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

/** murmur3's 32-bit finalizer. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * murmur3 (32-bit) of the bytes [start, end) of `view`.
 * @example
 * const h = hashView(viewOf(bytes), offsets[i], offsets[i + 1]);
 */
export function hashView(view: DataView, start: number, end: number): number {
  let h = 0x9747b28c;
  let k = start;
  for (; k + 4 <= end; k += 4) {
    h ^= mixWord(view.getInt32(k, true));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (k < end) h ^= mixWord(tailWord(view, k, end));
  return mix32(h ^ (end - start));
}

/**
 * A DataView over exactly the bytes of `bytes`.
 * @example
 * const view = viewOf(chunk.values as Uint8Array);
 */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Dense ids for byte strings, by content.
 * @example
 * const strings = new ByteInterner();
 * const id = strings.intern(bytes, offsets[i], offsets[i + 1]);
 */
export class ByteInterner {
  /** The interned strings, back to back; string id is pool[starts[id], starts[id + 1]). */
  pool: Uint8Array;
  starts: Int32Array;
  size = 0;
  private slots: Int32Array;
  /** (capacity - 1) · STRIDE: masks a slot's word offset. */
  private wrap: number;
  private lastBytes: Uint8Array | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));
  private poolView: DataView;

  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap * STRIDE);
    this.wrap = (cap - 1) * STRIDE;
    this.starts = new Int32Array(Math.max(8, expected) + 1);
    this.pool = new Uint8Array(Math.max(64, expected * 8));
    this.poolView = viewOf(this.pool);
  }

  /** The id of the string bytes[start, end), interning it when new. */
  intern(bytes: Uint8Array, start: number, end: number): number {
    if (bytes !== this.lastBytes) {
      this.lastBytes = bytes;
      this.view = viewOf(bytes);
    }
    const view = this.view;
    const h = hashView(view, start, end);
    const len = end - start;
    const slots = this.slots;
    const wrap = this.wrap;
    let p = (h * STRIDE) & wrap;
    for (;;) {
      const id1 = slots[p + 1];
      if (id1 === 0) return this.insert(p, h, bytes, start, end);
      if (slots[p] === h && slots[p + 2] === len && this.matches(p, view, start, end)) return id1 - 1;
      p = (p + STRIDE) & wrap;
    }
  }

  /** Whether the string in slot p is view[start, end) (same hash and length already). */
  private matches(p: number, view: DataView, start: number, end: number): boolean {
    const slots = this.slots;
    const len = end - start;
    const inline = Math.min(len, INLINE_BYTES);
    let k = 0;
    let q = p + 3;
    for (; k + 4 <= inline; k += 4, q++) if (view.getInt32(start + k, true) !== slots[q]) return false;
    if (k < inline && tailWord(view, start + k, start + inline) !== slots[q]) return false;
    if (len <= INLINE_BYTES) return true;
    const pool = this.pool;
    let s = this.starts[slots[p + 1] - 1] + INLINE_BYTES;
    for (let j = start + INLINE_BYTES; j < end; j++, s++) if (pool[s] !== view.getUint8(j)) return false;
    return true;
  }

  private insert(p: number, h: number, bytes: Uint8Array, start: number, end: number): number {
    const id = this.size++;
    if (id + 1 === this.starts.length) this.starts = grow(this.starts, id * 2 + 1) as Int32Array;
    const at = this.starts[id];
    const len = end - start;
    if (at + len > this.pool.length) {
      this.pool = grow(this.pool, Math.max(at + len, this.pool.length * 2)) as Uint8Array;
      this.poolView = viewOf(this.pool);
    }
    const pool = this.pool;
    for (let k = 0; k < len; k++) pool[at + k] = bytes[start + k];
    this.starts[id + 1] = at + len;
    this.fill(p, h, id, at, len);
    if (this.size * 2 > this.slots.length / STRIDE) this.rehash();
    return id;
  }

  /** Writes string id (in the pool at `at`) into slot p. */
  private fill(p: number, h: number, id: number, at: number, len: number): void {
    const slots = this.slots;
    slots[p] = h;
    slots[p + 1] = id + 1;
    slots[p + 2] = len;
    const view = this.poolView;
    const inline = Math.min(len, INLINE_BYTES);
    let k = 0;
    let q = p + 3;
    for (; k + 4 <= inline; k += 4, q++) slots[q] = view.getInt32(at + k, true);
    if (k < inline) slots[q] = tailWord(view, at + k, at + inline);
  }

  private rehash(): void {
    const old = this.slots;
    const cap = (old.length / STRIDE) * 2;
    const slots = new Int32Array(cap * STRIDE);
    const wrap = (cap - 1) * STRIDE;
    for (let p = 0; p < old.length; p += STRIDE) {
      if (old[p + 1] === 0) continue;
      let to = (old[p] * STRIDE) & wrap;
      while (slots[to + 1] !== 0) to = (to + STRIDE) & wrap;
      slots.set(old.subarray(p, p + STRIDE), to);
    }
    this.slots = slots;
    this.wrap = wrap;
  }

  /** Every interned string, in id order, as the value bytes and offsets of an Arrow Utf8 column (copies). */
  utf8(): { bytes: Uint8Array; offsets: Int32Array } {
    const offsets = this.starts.slice(0, this.size + 1);
    return { bytes: this.pool.slice(0, offsets[this.size]), offsets };
  }

  /** The string interned as `id` (decoded from its UTF-8 bytes). */
  text(id: number): string {
    return DECODER.decode(this.pool.subarray(this.starts[id], this.starts[id + 1]));
  }

  /**
   * Rank of every id in code-point order (UTF-8 byte order is code-point order): rank[id] is the
   * string's position among the interned strings, sorted.
   */
  ranks(): Int32Array {
    const order = Array.from({ length: this.size }, (_, i) => i);
    const { pool, starts } = this;
    order.sort((a, b) => {
      const sa = starts[a];
      const sb = starts[b];
      const la = starts[a + 1] - sa;
      const lb = starts[b + 1] - sb;
      const n = Math.min(la, lb);
      for (let k = 0; k < n; k++) {
        const d = pool[sa + k] - pool[sb + k];
        if (d !== 0) return d;
      }
      return la - lb;
    });
    const rank = new Int32Array(this.size);
    for (let r = 0; r < order.length; r++) rank[order[r]] = r;
    return rank;
  }
}

const DECODER = new TextDecoder();

function grow(a: Int32Array | Uint8Array, length: number): Int32Array | Uint8Array {
  const b = a instanceof Int32Array ? new Int32Array(length) : new Uint8Array(length);
  b.set(a);
  return b;
}
