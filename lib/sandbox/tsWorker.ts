/**
 * Worker entry for the TypeScript compiler: one long-lived thread of the host that type-checks
 * and transpiles, so a check (~40 ms warm, ~1 s for the first one, which parses lib.es2022)
 * never holds up the host's other runs. The source is untrusted but only compiled here, never
 * run; a check that outlives its run's timeout gets the thread terminated (see
 * {@link TypeScriptWorker}).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TypeScriptCompiler } from './typescriptCompiler';

const port = parentPort;
if (!port) throw new Error('tsWorker must run in a worker thread');
const compiler = new TypeScriptCompiler((workerData as { typescriptDir: string }).typescriptDir);
port.on('message', (m: { id: number; code: string; tests: string[] }) => {
  port.postMessage({ id: m.id, compilation: compiler.compile(m.code, m.tests) });
});
