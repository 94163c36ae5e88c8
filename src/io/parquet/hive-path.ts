/**
 * Hive-style partition paths (`year=2024/region=eu/part-0.parquet`): reading the `key=value`
 * directories of a file's path, and writing them. Values are percent-encoded as DuckDB does:
 * every UTF-8 byte outside `A-Z a-z 0-9 - _ . ~` becomes `%XX`, and null is written as
 * `__HIVE_DEFAULT_PARTITION__`, so DuckDB reads back what Dusk writes and the other way round.
 */

/** The directory value that stands for null. */
export const HIVE_NULL = '__HIVE_DEFAULT_PARTITION__';

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Percent-encodes a key or value for a hive directory name.
 *
 * @example
 * escapeHiveValue('a/b c'); // 'a%2Fb%20c'
 */
export function escapeHiveValue(text: string): string {
  let out = '';
  for (const ch of text) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of encoder.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Decodes `%XX` escapes (a `%` not followed by two hex digits stays as it is).
 *
 * @example
 * unescapeHiveValue('a%2Fb%20c'); // 'a/b c'
 */
export function unescapeHiveValue(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) bytes.push(c);
    else {
      const cp = text.codePointAt(i)!;
      bytes.push(...encoder.encode(String.fromCodePoint(cp)));
      if (cp > 0xffff) i++;
    }
  }
  return decoder.decode(new Uint8Array(bytes));
}

/**
 * The directory name of one partition value: `key=value`, or `key=__HIVE_DEFAULT_PARTITION__`.
 *
 * @example
 * hiveSegment('region', 'eu/west'); // 'region=eu%2Fwest'
 * hiveSegment('region', null);      // 'region=__HIVE_DEFAULT_PARTITION__'
 */
export function hiveSegment(name: string, value: string | null): string {
  return `${escapeHiveValue(name)}=${value === null ? HIVE_NULL : escapeHiveValue(value)}`;
}

/**
 * The `key=value` directories of a file's path, outermost first (the file name itself is not
 * one; when a key repeats, the innermost wins). Keys and values are unescaped; `__HIVE_DEFAULT_PARTITION__` reads as null.
 *
 * @example
 * parseHivePath('data/year=2024/region=eu%2Fw/part-0.parquet');
 * // [{ name: 'year', value: '2024' }, { name: 'region', value: 'eu/w' }]
 */
export function parseHivePath(file: string): { name: string; value: string | null }[] {
  const dirs = file.split('/').slice(0, -1);
  const out: { name: string; value: string | null }[] = [];
  for (const dir of dirs) {
    const eq = dir.indexOf('=');
    if (eq <= 0) continue;
    const raw = dir.slice(eq + 1);
    const name = unescapeHiveValue(dir.slice(0, eq));
    const earlier = out.findIndex((h) => h.name === name);
    if (earlier >= 0) out.splice(earlier, 1); // the innermost directory of a key wins
    out.push({ name, value: raw === HIVE_NULL ? null : unescapeHiveValue(raw) });
  }
  return out;
}
