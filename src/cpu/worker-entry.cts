/**
 * The file piscina loads in each worker thread: CommonJS that loads the ESM worker (worker.ts)
 * by dynamic import, once per thread. Piscina would otherwise `require()` the ESM file, and
 * Node 20's synchronous require of ES modules was seen to abort a test process (a V8 fatal
 * error, "IsGraphAsync must be used on an instantiated module") while a worker started; the
 * asynchronous import path has no such race.
 */
type Run = (message: unknown) => Promise<unknown>;

let loaded: Promise<Run> | undefined;

module.exports = async function runTask(message: unknown): Promise<unknown> {
  loaded ??= import('./worker.js').then((m) => m.default as Run);
  return (await loaded)(message);
};
