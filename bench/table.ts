/** Plain-text tables for benchmark output. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Median of a few timings, in milliseconds. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Times `fn` `repeat` times after one warm-up run; returns the median in ms. */
export async function time(fn: () => unknown, repeat: number): Promise<number> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

/**
 * Milliseconds per question for DuckDB and each Dusk path (`results[question]['duckdb' | 'dusk <path>']`),
 * then each path's ratio to DuckDB.
 */
export function duckdbTable(results: Record<string, Record<string, number>>, paths: readonly string[]): string {
  const who = ['duckdb', ...paths.map((p) => `dusk ${p}`)];
  return formatTable(
    ['question', ...who.map((w) => `${w} ms`), ...paths.map((p) => `${p}/duckdb`)],
    Object.entries(results).map(([q, r]) => [
      q,
      ...who.map((w) => (r[w] === undefined ? '-' : r[w]!.toFixed(1))),
      ...paths.map((p) => (r[`dusk ${p}`] === undefined ? '-' : (r[`dusk ${p}`]! / r.duckdb!).toFixed(2))),
    ]),
  );
}
