/**
 * Worker threads cannot load TypeScript, and the tests run from the sources: this transpiles a
 * module and everything it imports relatively into a temporary directory (with the project's
 * node_modules linked in), so a plain `worker_threads` Worker can import it.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Transpiles `entry` (a path under the repository) and its relative imports into `outDir`; returns the entry's .js path. */
export function transpileForWorker(entry: string, outDir: string): string {
  const done = new Set<string>();
  const visit = (source: string): void => {
    if (done.has(source)) return;
    done.add(source);
    const code = readFileSync(source, 'utf8');
    const out = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: source,
    }).outputText;
    const target = join(outDir, relative(ROOT, source)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out);
    for (const m of out.matchAll(/from\s+['"](\.{1,2}\/[^'"]+)\.js['"]/g)) visit(resolve(dirname(source), `${m[1]}.ts`));
  };
  visit(resolve(ROOT, entry));
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }');
  if (!existsSync(join(outDir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(outDir, 'node_modules'));
  return join(outDir, entry.replace(/\.ts$/, '.js'));
}
