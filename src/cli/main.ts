#!/usr/bin/env node
/**
 * `npx dusk <command>`: `info` prints the GPU adapter Dusk finds (or why none) and the CPU
 * workers; `bench [suite...]` runs the benchmark harness.
 */
import { formatInfo } from './format-info.js';
import { Client } from '../client.js';

async function info(): Promise<void> {
  const client = await Client.create();
  try {
    process.stdout.write(formatInfo(client.info()));
  } finally {
    await client.close();
  }
}

async function bench(suites: string[]): Promise<void> {
  const { runBenchmarks } = await import('../../bench/run.js');
  await runBenchmarks(suites);
}

const USAGE = `usage: dusk <command>
  info             the GPU adapter, backend and limits Dusk finds, and the CPU workers
  bench [suite..]  run benchmarks (suites: reduce, frame, groupby, filter); tables on stdout, JSON in bench/results/
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'info':
      await info();
      return 0;
    case 'bench':
      await bench(rest);
      return 0;
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`dusk: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dusk: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
