// Builds the optional native addon native/build/dusk_native.node with the system C++ compiler
// (no node-gyp, no downloads): addon.cpp without ISA flags, one kernel file per ISA with its own
// -m flags, linked into one shared object. Run by `npm install`; it never fails the install: on
// any error (not x86-64, no compiler, no Node headers) it prints one line and exits 0, and the
// JavaScript kernels are used.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const out = join(here, 'build');
const target = join(out, 'dusk_native.node');

/** The first directory holding node_api.h: next to this Node binary, then the system ones. */
function nodeHeaders() {
  const candidates = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (found === undefined) throw new Error(`no node_api.h in ${candidates.join(', ')}`);
  return found;
}

function build() {
  if (process.arch !== 'x64') throw new Error(`the kernels are x86-64 only, this is ${process.arch}`);
  const cxx = process.env.CXX || 'g++';
  const include = nodeHeaders();
  mkdirSync(out, { recursive: true });
  const common = ['-std=c++17', '-fPIC', '-fvisibility=hidden', '-fno-exceptions', '-fno-rtti', '-Wall', '-Wextra', `-I${include}`];
  const units = [
    ['addon.cpp', ['-O2']],
    ['gemm-avx2.cpp', ['-O3', '-mavx2', '-mfma']],
    ['gemm-avx512.cpp', ['-O3', '-mavx512f', '-mavx2', '-mfma']],
    // Bit-for-bit the TypeScript loops' doubles: no a·b + c contracted into one rounding.
    ['group-by.cpp', ['-O3']],
    ['group-states.cpp', ['-O3', '-ffp-contract=off']],
    ['filter-mask.cpp', ['-O3']],
    ['dictionary.cpp', ['-O3']],
    ['column-tally.cpp', ['-O3', '-ffp-contract=off']],
  ];
  const objects = units.map(([file, flags]) => {
    const object = join(out, file.replace(/\.cpp$/, '.o'));
    execFileSync(cxx, [...common, ...flags, '-c', join(src, file), '-o', object], { stdio: ['ignore', 'ignore', 'pipe'] });
    return object;
  });
  // Linked to a temporary name and renamed, so a process loading the addon meanwhile never sees
  // half a file.
  const partial = `${target}.${process.pid}.tmp`;
  execFileSync(cxx, ['-shared', '-o', partial, ...objects], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(partial, target);
  for (const object of objects) rmSync(object, { force: true });
}

try {
  build();
  console.log(`dusk: built the native kernels (${target})`);
} catch (error) {
  const stderr = error?.stderr?.toString().split('\n').find((line) => /error/i.test(line))?.trim();
  const reason = stderr || (error instanceof Error ? error.message : String(error));
  console.log(`dusk: native kernels not built (${reason}); the JavaScript kernels will be used`);
}
process.exit(0);
