// Starts a worker thread on a module that sits beside the caller: the compiled .js when the caller
// runs compiled, or, when it runs as TypeScript (tests, benchmarks), a small bootstrap that
// registers tsx in the worker before loading the .ts module (a worker's execArgv cannot carry
// `--import` on Node 20).
import { Worker } from 'node:worker_threads';

/** `callerUrl` is the caller's `import.meta.url`; `name` the worker module's file name, no extension. */
export function startWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith('.ts')) {
    // --input-type (from `node -e`) is refused by worker threads; every other flag carries over.
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
    return new Worker(new URL(`./${name}.js`, callerUrl), { workerData, execArgv });
  }
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
