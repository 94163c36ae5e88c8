/**
 * Turns what a reader was given (a file, a directory, a glob, or a list of those) into the
 * sorted list of files it names. Globs are matched one path segment at a time, starting from
 * their literal prefix, so `data/2024/*.parquet` lists one directory and never walks the tree
 * from the root. Node 20 has no `fs.glob`, hence the matcher here.
 */
import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { IoError } from '../errors.js';

const GLOB_CHARS = /[*?[{]/;

/** True when `text` holds an unescaped glob character. */
function isGlob(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (GLOB_CHARS.test(text[i]!)) return true;
  }
  return false;
}

/**
 * Expands `{a,b}` groups, nested and repeated ones too; `{x}` without a comma stays as it is.
 *
 * @example
 * expandBraces('part-{0,1}.{csv,tsv}'); // ['part-0.csv', 'part-0.tsv', 'part-1.csv', 'part-1.tsv']
 */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  const commas: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') {
      if (depth++ === 0) {
        open = i;
        commas.length = 0;
      }
    } else if (c === ',' && depth === 1) commas.push(i);
    else if (c === '}' && depth > 0 && --depth === 0) {
      if (commas.length === 0) continue; // `{x}` is literal text, as in shells
      const head = pattern.slice(0, open);
      const tail = pattern.slice(i + 1);
      const bounds = [open, ...commas, i];
      const out: string[] = [];
      for (let k = 0; k + 1 < bounds.length; k++) {
        out.push(...expandBraces(head + pattern.slice(bounds[k]! + 1, bounds[k + 1]) + tail));
      }
      return out;
    }
  }
  return [pattern];
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/** One path segment of a glob as an anchored regular expression (`*`, `?`, `[...]`). */
function segmentRegExp(segment: string): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '\\' && i + 1 < segment.length) out += escapeRegExp(segment[++i]!);
    else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      let j = i + 1;
      const negate = segment[j] === '!' || segment[j] === '^';
      if (negate) j++;
      if (segment[j] === ']') j++; // a leading ']' is a member
      while (j < segment.length && segment[j] !== ']') j++;
      if (j >= segment.length) {
        out += '\\['; // no closing bracket: a literal '['
        continue;
      }
      const body = segment.slice(i + 1 + (negate ? 1 : 0), j).replace(/\\/g, '\\\\').replace(/\]/g, '\\]');
      out += `[${negate ? '^' : ''}${body}]`;
      i = j;
    } else out += escapeRegExp(c);
  }
  return new RegExp(`^${out}$`, 'u');
}

function unescapeGlob(segment: string): string {
  return segment.replace(/\\(.)/g, '$1');
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null; // missing, or a dangling link: not a match
  }
}

function listDir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new IoError('READ_FAILED', `cannot list directory ${dir} (${code ?? String(cause)})`, { cause });
  }
}

function isDirEntry(dir: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  return entry.isSymbolicLink() && statOrNull(join(dir, entry.name))?.isDirectory() === true;
}

/** Every file of one brace-free glob, by a walk over its segments from the literal prefix. */
function matchGlob(pattern: string, out: string[]): void {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  let start = 0;
  while (start < segments.length && !isGlob(segments[start]!)) start++;
  const base = join(absolute ? '/' : '.', ...segments.slice(0, start).map(unescapeGlob));
  const rest = segments.slice(start).map((s) => (s === '**' ? null : { text: s, re: segmentRegExp(s), glob: isGlob(s) }));
  const seen = new Set<string>(); // (real directory, segment index) pairs already walked by `**`

  const visit = (path: string, i: number): void => {
    if (i === rest.length) {
      if (statOrNull(path)?.isFile() === true) out.push(path);
      return;
    }
    const seg = rest[i]!;
    if (seg === null) {
      let real: string;
      try {
        real = realpathSync(path);
      } catch {
        return;
      }
      if (seen.has(`${i}\0${real}`)) return; // a symlink loop, or a path reached twice
      seen.add(`${i}\0${real}`);
      visit(path, i + 1);
      const last = i === rest.length - 1; // a trailing `**` matches the files below too
      for (const e of listDir(path)) {
        if (e.name.startsWith('.')) continue;
        const child = join(path, e.name);
        if (isDirEntry(path, e)) visit(child, i);
        else if (last && statOrNull(child)?.isFile() === true) out.push(child);
      }
      return;
    }
    if (!seg.glob) {
      visit(join(path, unescapeGlob(seg.text)), i + 1);
      return;
    }
    const dotOk = seg.text.startsWith('.');
    for (const e of listDir(path)) {
      if ((dotOk || !e.name.startsWith('.')) && seg.re.test(e.name)) visit(join(path, e.name), i + 1);
    }
  };
  visit(base, 0);
}

/** Every file under `dir` ending in `extension`, skipping hidden (`.x`) and `_x` entries. */
function walkDir(dir: string, extension: string, out: string[], seen: Set<string>): void {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return;
  }
  if (seen.has(real)) return;
  seen.add(real);
  const ext = extension.toLowerCase();
  for (const e of listDir(dir)) {
    // Temporary files, _SUCCESS, _metadata, _temporary/ are not data; `_k=v/` partitions are.
    if (e.name.startsWith('.') || (e.name.startsWith('_') && !e.name.includes('='))) continue;
    const path = join(dir, e.name);
    if (isDirEntry(dir, e)) walkDir(path, extension, out, seen);
    else if (e.name.toLowerCase().endsWith(ext) && statOrNull(path)?.isFile() === true) out.push(path);
  }
}

/**
 * The files named by a path, a directory (every file under it ending in `extension`,
 * recursively, so hive-style `k=v/` directories are included), a glob (`*`, `?`, `**`,
 * `[abc]`, `[!abc]`, `{a,b}`; `\` escapes) or a list of those: sorted and de-duplicated.
 * Wildcards do not match names starting with '.'. A path that exists is taken literally even
 * if it holds glob characters. Nothing found is an `IoError` with code `NOT_FOUND` naming the
 * path or pattern; `what` (e.g. 'Parquet') names the kind of file in messages.
 *
 * @example
 * expandPaths('data/*.parquet', '.parquet', 'Parquet');   // ['data/a.parquet', 'data/b.parquet']
 * expandPaths('data/', '.parquet', 'Parquet');            // also data/year=2024/x.parquet
 * expandPaths(['a.csv', 'logs/**\/*.csv'], '.csv', 'CSV');
 */
export function expandPaths(pathOrGlob: string | readonly string[], extension: string, what: string): string[] {
  const inputs = typeof pathOrGlob === 'string' ? [pathOrGlob] : [...pathOrGlob];
  if (inputs.length === 0) throw new IoError('NOT_FOUND', `no ${what} files: the list of paths is empty`);
  const byKey = new Map<string, string>();
  for (const input of inputs) {
    if (input === '') throw new IoError('NOT_FOUND', `no ${what} files: a path is empty`);
    const found: string[] = [];
    const stats = statOrNull(input);
    if (stats?.isFile() === true) found.push(input);
    else if (stats?.isDirectory() === true) {
      walkDir(input, extension, found, new Set());
      if (found.length === 0) throw new IoError('NOT_FOUND', `no ${what} files (*${extension}) under directory ${input}`);
    } else if (isGlob(input)) {
      for (const pattern of expandBraces(input)) matchGlob(pattern, found);
      if (found.length === 0) throw new IoError('NOT_FOUND', `no ${what} files match '${input}'`);
    } else {
      throw new IoError('NOT_FOUND', `${what} file not found: ${input}`);
    }
    for (const path of found) {
      const key = resolve(path);
      if (!byKey.has(key)) byKey.set(key, path);
    }
  }
  return [...byKey.values()].sort();
}
