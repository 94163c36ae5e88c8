import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KernelError } from '../errors.js';

/** Values for a shader's `{{NAME}}` placeholders. */
export type ShaderParams = Readonly<Record<string, string | number>>;

const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;
const sources = new Map<string, string>();

/** Where the kernel family `family` lives: `shaders/<family>.wgsl` at the package root. */
function shaderPath(family: string): string {
  // This file is src/gpu/ in the sources and dist/src/gpu/ when compiled; shaders/ sits at the
  // package root in both cases, found by walking up from here.
  const up = import.meta.url.includes('/dist/src/') ? '../../../' : '../../';
  return fileURLToPath(new URL(`${up}shaders/${family}.wgsl`, import.meta.url));
}

const INCLUDE = /^\/\/ #include ([a-z0-9-]+)[ \t]*$/gm;

function read(family: string, what: string): string {
  try {
    return readFileSync(shaderPath(family), 'utf8');
  } catch (cause) {
    throw new KernelError('SHADER_MISSING', `no shader for ${what}`, { cause });
  }
}

/**
 * The family's WGSL with each `// #include name` line replaced by `shaders/lib/name.wgsl`: code
 * that several families share (double-float arithmetic, 64-bit words, soft float64) lives once.
 * Each library is included at most once per shader; libraries may include others.
 */
function source(family: string): string {
  let text = sources.get(family);
  if (text === undefined) {
    const included = new Set<string>();
    const expand = (code: string): string => code.replace(INCLUDE, (_line, name: string) => {
      if (included.has(name)) return `// (${name} included above)`;
      included.add(name);
      return expand(read(`lib/${name}`, `library '${name}' (included by kernel family '${family}')`));
    });
    text = expand(read(family, `kernel family '${family}'`));
    sources.set(family, text);
  }
  return text;
}

/**
 * Renders `shaders/<family>.wgsl` with its named placeholders filled in. Every placeholder in
 * the file must be given and every parameter given must appear: either mistake is a
 * `KernelError`, so a typo cannot produce a shader that silently does something else.
 * With `DUSK_PRINT_SHADER=1` the rendered WGSL is printed to stderr.
 */
export function renderShader(family: string, params: ShaderParams): string {
  const text = source(family);
  const used = new Set<string>();
  const missing = new Set<string>();
  const rendered = text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) {
      missing.add(name);
      return '';
    }
    used.add(name);
    return String(value);
  });
  if (missing.size > 0) {
    throw new KernelError(
      'SHADER_PLACEHOLDER',
      `shader '${family}': placeholder(s) ${[...missing].join(', ')} not filled`,
    );
  }
  const unknown = Object.keys(params).filter((name) => !used.has(name));
  if (unknown.length > 0) {
    throw new KernelError(
      'SHADER_PLACEHOLDER',
      `shader '${family}' has no placeholder(s) ${unknown.join(', ')}`,
    );
  }
  if (process.env.DUSK_PRINT_SHADER === '1') {
    process.stderr.write(`// ---- dusk shader ${family} ${JSON.stringify(params)}\n${rendered}\n`);
  }
  return rendered;
}
