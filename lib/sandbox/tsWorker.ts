/**
 * Worker entry for the TypeScript compiler: one long-lived thread of the host that type-checks
 * and transpiles, so a check (~40 ms) never holds up the host's other runs. It parses the lib
 * files first (~1 s) with a check of its own, so that no run's clock pays for them. The source
 * is untrusted but only compiled here, never run; each check reports when it starts, and one
 * that outlives its run's timeout from there gets the thread terminated (see TypeScriptWorker).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TypeScriptCompiler } from './typescriptCompiler';

const port = parentPort;
if (!port) throw new Error('tsWorker must run in a worker thread');
const compiler = new TypeScriptCompiler((workerData as { typescriptDir: string }).typescriptDir);
compiler.compile('const warm: number = 1;', []);
port.on('message', (m: { id: number; code: string; tests: string[] }) => {
  port.postMessage({ type: 'start', id: m.id });
  port.postMessage({ type: 'done', id: m.id, compilation: compiler.compile(m.code, m.tests) });
});
