/**
 * The CPU radix sort: a stable sort of rows by unsigned 32- or 64-bit keys (`sortKeyWords` makes
 * them), returning the permutation. The CPU twin of `gpu/kernels/radix-sort.ts`: a stable sort's
 * permutation is unique (equal keys keep their row order), so both give the same one whatever
 * their digit sizes or digit order.
 *
 * Digits are 11 bits, laid from each word's highest bit that varies downwards (bits no key
 * changes are never looked at, so small ranges and shared high bits cost nothing). A large range
 * is split by its most significant digit (one stable scatter) and each bucket is sorted by the
 * digits below: a bucket that fits in cache by a least-significant-digit sort (one read for all
 * its digits' histograms, then a stable scatter per digit that varies in it), a tiny one by
 * insertion, a larger one (skewed keys) by the same split again. Only the first split walks the
 * whole array out of cache, where a plain LSD sort of 10^7 keys would scatter to 2048 places
 * across all of it on every pass. Keys move only while a later pass still reads them.
 */
import { DuskError } from '../../errors.js';

const BITS = 11;
const RADIX = 1 << BITS;
/** Ranges up to this many rows are sorted digit by digit from the least significant. */
const LSD_ROWS = 1 << 16;
/** Ranges up to this many rows are sorted by insertion. */
const INSERTION_ROWS = 24;

/** Keys (low words, high words for 64-bit keys) and the rows they belong to. */
interface Keys {
  lo: Uint32Array;
  hi: Uint32Array | null;
  idx: Uint32Array;
}

/** A digit: bits [shift, shift + width of mask) of the high or the low word. */
interface Digit {
  high: boolean;
  shift: number;
  mask: number;
}

/** Which key words a scatter or copy moves along with the row numbers. */
interface Moves {
  lo: boolean;
  hi: boolean;
}

/**
 * The identity permutation 0, 1, ..., rows - 1.
 * @example
 * iota(3); // Uint32Array [0, 1, 2]
 */
export function iota(rows: number): Uint32Array {
  const out = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = i;
  return out;
}

/** 11-bit digits of one word, most significant first, over the bits set in `diff` (those that vary). */
function wordDigits(diff: number, high: boolean, out: Digit[]): void {
  for (let top = 31 - Math.clz32(diff); top >= 0; top -= BITS) {
    const shift = Math.max(0, top - BITS + 1);
    const mask = 2 ** (top - shift + 1) - 1;
    if (((diff >>> shift) & mask) !== 0) out.push({ high, shift, mask });
  }
}

/** Moves rows [start, end) of `from` to `to` by digit (key >>> shift) & mask: row i goes to `offsets[digit]++`. */
function scatter(from: Keys, to: Keys, key: Uint32Array, digit: Digit, offsets: Uint32Array, start: number, end: number, moves: Moves): void {
  const { shift, mask } = digit;
  const { lo, hi, idx } = from;
  const [toLo, toHi, toIdx] = [to.lo, to.hi, to.idx];
  if (moves.lo && moves.hi) {
    for (let i = start; i < end; i++) {
      const j = offsets[(key[i]! >>> shift) & mask]!++;
      toLo[j] = lo[i]!;
      toHi![j] = hi![i]!;
      toIdx[j] = idx[i]!;
    }
  } else if (moves.lo || moves.hi) {
    const [src, dst] = moves.lo ? [lo, toLo] : [hi!, toHi!];
    for (let i = start; i < end; i++) {
      const j = offsets[(key[i]! >>> shift) & mask]!++;
      dst[j] = src[i]!;
      toIdx[j] = idx[i]!;
    }
  } else {
    for (let i = start; i < end; i++) toIdx[offsets[(key[i]! >>> shift) & mask]!++] = idx[i]!;
  }
}

/** Copies `n` rows of `from` from row `at` into `to` from row `to0`. */
function copyRows(from: Keys, at: number, to: Keys, to0: number, n: number, moves: Moves): void {
  to.idx.set(from.idx.subarray(at, at + n), to0);
  if (moves.lo) to.lo.set(from.lo.subarray(at, at + n), to0);
  if (moves.hi) to.hi!.set(from.hi!.subarray(at, at + n), to0);
}

/** Turns `counts[base, base + RADIX)` into first places from `first`, in `offsets`. */
function prefix(counts: Uint32Array, base: number, first: number, offsets: Uint32Array): void {
  let run = first;
  for (let v = 0; v < RADIX; v++) {
    offsets[v] = run;
    run += counts[base + v]!;
  }
}

function keysOf(rows: number, wide: boolean): Keys {
  return { lo: new Uint32Array(rows), hi: wide ? new Uint32Array(rows) : null, idx: new Uint32Array(rows) };
}

/** A stable insertion sort of rows [start, end) of `keys` by their whole keys. */
function insertion(keys: Keys, start: number, end: number): void {
  const { lo, hi, idx } = keys;
  for (let i = start + 1; i < end; i++) {
    const l = lo[i]!;
    const h = hi === null ? 0 : hi[i]!;
    const r = idx[i]!;
    let j = i - 1;
    for (; j >= start; j--) {
      const hj = hi === null ? 0 : hi[j]!;
      if (hj < h || (hj === h && lo[j]! <= l)) break;
      lo[j + 1] = lo[j]!;
      if (hi !== null) hi[j + 1] = hj;
      idx[j + 1] = idx[j]!;
    }
    lo[j + 1] = l;
    if (hi !== null) hi[j + 1] = h;
    idx[j + 1] = r;
  }
}

/**
 * Sorts the rows of one `radixSort` call. Fresh memory is slow to touch the first time (a page
 * fault per page), so besides `main` (which becomes the answer) a sort holds only a cache-sized
 * buffer for the LSD passes, and one the size of the largest bucket that must be split again.
 */
class Sorter {
  private readonly counts: Uint32Array;
  private readonly offsets = new Uint32Array(RADIX);
  private readonly local: Keys;
  private big: Keys | null = null;
  private readonly all: Moves;

  constructor(
    private readonly main: Keys,
    /** The key's digits, most significant first. */
    private readonly digits: readonly Digit[],
  ) {
    this.counts = new Uint32Array(Math.max(1, digits.length) * RADIX);
    this.local = keysOf(Math.min(LSD_ROWS, main.idx.length), main.hi !== null);
    this.all = { lo: true, hi: main.hi !== null };
  }

  private wordOf(keys: Keys, d: Digit): Uint32Array {
    return d.high ? keys.hi! : keys.lo;
  }

  /**
   * Places `rows` keys read from `words` (32-bit, or 64-bit interleaved low word first) into
   * `main` by their most significant digit, then sorts each bucket by the digits below. The
   * caller's words are only read.
   */
  sortWords(words: Uint32Array, rows: number): void {
    const { lo, hi, idx } = this.main;
    const wide = hi !== null;
    const top = this.digits[0]!;
    if (rows <= LSD_ROWS) {
      for (let i = 0; i < rows; i++) {
        idx[i] = i;
        lo[i] = words[wide ? 2 * i : i]!;
        if (hi !== null) hi[i] = words[2 * i + 1]!;
      }
      return this.sort(0, rows, 0);
    }
    const counts = this.counts.subarray(0, RADIX).fill(0);
    const at = wide && top.high ? 1 : 0;
    const step = wide ? 2 : 1;
    const { shift, mask } = top;
    for (let i = 0; i < rows; i++) counts[(words[step * i + at]! >>> shift) & mask]!++;
    const bounds = this.bounds(counts, 0, rows);
    const offsets = this.offsets;
    for (let i = 0; i < rows; i++) {
      const j = offsets[(words[step * i + at]! >>> shift) & mask]!++;
      idx[j] = i;
      lo[j] = words[step * i]!;
      if (hi !== null) hi[j] = words[2 * i + 1]!;
    }
    for (let v = 0; v < RADIX; v++) this.sort(bounds[v]!, bounds[v + 1]!, 1);
  }

  /** Each digit value's first place from `start` (into `offsets`), and a copy ending at `end`. */
  private bounds(counts: Uint32Array, start: number, end: number): Uint32Array {
    prefix(counts, 0, start, this.offsets);
    const bounds = new Uint32Array(RADIX + 1);
    bounds.set(this.offsets);
    bounds[RADIX] = end;
    return bounds;
  }

  /** Sorts rows [start, end) of `main`, whose keys agree on every digit above d. */
  private sort(start: number, end: number, d: number): void {
    const n = end - start;
    if (n <= 1 || d >= this.digits.length) return;
    if (n <= INSERTION_ROWS) return insertion(this.main, start, end);
    if (n <= LSD_ROWS) return this.lsd(start, end, d);
    const digit = this.digits[d]!;
    const key = this.wordOf(this.main, digit);
    const { shift, mask } = digit;
    const counts = this.counts.subarray(0, RADIX).fill(0);
    for (let i = start; i < end; i++) counts[(key[i]! >>> shift) & mask]!++;
    if (counts[(key[start]! >>> shift) & mask] === n) return this.sort(start, end, d + 1);
    // Scattered to the start of `big` (grown to the largest bucket split so far), copied back.
    if (this.big === null || this.big.idx.length < n) this.big = keysOf(n, this.main.hi !== null);
    const bounds = this.bounds(counts, start, end);
    prefix(counts, 0, 0, this.offsets);
    scatter(this.main, this.big, key, digit, this.offsets, start, end, this.all);
    copyRows(this.big, 0, this.main, start, n, this.all);
    for (let v = 0; v < RADIX; v++) this.sort(bounds[v]!, bounds[v + 1]!, d + 1);
  }

  /** Digits d and below, least significant first, over rows that fit in `local`. */
  private lsd(start: number, end: number, d: number): void {
    const n = end - start;
    const digits = this.digits;
    const counts = this.counts.fill(0);
    for (let e = d; e < digits.length; e++) {
      const digit = digits[e]!;
      const key = this.wordOf(this.main, digit);
      const { shift, mask } = digit;
      const base = e * RADIX;
      for (let i = start; i < end; i++) counts[base + ((key[i]! >>> shift) & mask)]!++;
    }
    // The passes that change something: a digit where every key agrees is skipped.
    const passes: number[] = [];
    for (let e = digits.length - 1; e >= d; e--) {
      const digit = digits[e]!;
      const first = this.wordOf(this.main, digit)[start]!;
      if (counts[e * RADIX + ((first >>> digit.shift) & digit.mask)] !== n) passes.push(e);
    }
    // Passes alternate between the range of `main` and the start of `local`.
    let inMain = true;
    passes.forEach((e, p) => {
      const digit = digits[e]!;
      const later = passes.slice(p + 1).map((x) => digits[x]!.high);
      const moves = { lo: later.includes(false), hi: later.includes(true) };
      const from = inMain ? this.main : this.local;
      const at = inMain ? start : 0;
      prefix(counts, e * RADIX, inMain ? 0 : start, this.offsets);
      scatter(from, inMain ? this.local : this.main, this.wordOf(from, digit), digit, this.offsets, at, at + n, moves);
      inMain = !inMain;
    });
    // Only the row numbers are read after a sort.
    if (!inMain) copyRows(this.local, 0, this.main, start, n, { lo: false, hi: false });
  }
}

/**
 * The stable ascending order of `rows` keys of `width` words each (row i's key is
 * `words[width * i]`, and for 64-bit keys `words[2i + 1]` is its high word), compared as
 * unsigned integers: `out[k]` is the row in place k, equal keys in row order. `words` is not
 * changed.
 *
 * @example
 * radixSort(Uint32Array.of(5, 1, 5, 0), 1, 4); // Uint32Array [3, 1, 0, 2]
 * radixSort(Uint32Array.of(0, 1, 7, 0), 2, 2); // [1, 0]: 7 (hi 0) is below 2^32 (hi 1)
 */
export function radixSort(words: Uint32Array, width: 1 | 2, rows: number): Uint32Array {
  if (!(Number.isInteger(rows) && rows >= 0 && words.length >= width * rows)) {
    throw new DuskError('LENGTH_MISMATCH', `radixSort: ${rows} rows of ${width} word(s) need ${width * rows} words, not ${words.length}`);
  }
  // The bits where some key differs from the first, per word.
  let diffLo = 0;
  let diffHi = 0;
  if (width === 1) {
    const first = words[0]!;
    for (let i = 0; i < rows; i++) diffLo |= words[i]! ^ first;
  } else if (rows > 0) {
    const [l0, h0] = [words[0]!, words[1]!];
    for (let i = 0; i < rows; i++) {
      diffLo |= words[2 * i]! ^ l0;
      diffHi |= words[2 * i + 1]! ^ h0;
    }
  }
  const digits: Digit[] = [];
  if (width === 2) wordDigits(diffHi, true, digits);
  wordDigits(diffLo, false, digits);
  if (digits.length === 0) return iota(rows);
  const main = keysOf(rows, width === 2);
  if (rows <= INSERTION_ROWS) {
    // Too few rows to pay for histograms (sorting a byte column calls this for many small runs).
    for (let i = 0; i < rows; i++) {
      main.idx[i] = i;
      main.lo[i] = words[width * i]!;
      if (main.hi !== null) main.hi[i] = words[2 * i + 1]!;
    }
    insertion(main, 0, rows);
  } else {
    new Sorter(main, digits).sortWords(words, rows);
  }
  return main.idx;
}
