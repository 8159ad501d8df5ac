/**
 * Worker entry for the TypeScript compiler: one long-lived thread of the host that type-checks
 * and transpiles, so a check (~40 ms) never holds up the host's other runs. It parses the lib
 * files first (~1 s) with checks of its own, so that no run's clock pays for them. The source
 * is untrusted but only compiled here, never run; each check reports when it starts, and one
 * that outlives its run's timeout from there gets the thread terminated (see TypeScriptWorker).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TypeScriptCompiler } from './typescriptCompiler';

const port = parentPort;
if (!port) throw new Error('tsWorker must run in a worker thread');
const compiler = new TypeScriptCompiler((workerData as { typescriptDir: string }).typescriptDir);
// A few checks of the shape runs have (a typed function, passing and failing tests, a type
// error), so that the compiler's paths are compiled by V8 before the first run, not during
// its first ones (the first dozen warm checks took 15-35 ms, later ones 7-13).
const WARM_CODE = 'function add(a: number, b: number): number { return a + b; }\nconsole.log([3, 1].map((x) => add(x, 1)));';
const WARM_TESTS = ['assert.equal(add(1, 2), 3)', 'assert.deepEqual([add(1, 1)], [2])', 'const s: string = add(1, 2);'];
for (let i = 0; i < 8; i++) compiler.compile(`${WARM_CODE}\n// ${i}`, WARM_TESTS);
port.on('message', (m: { id: number; code: string; tests: string[] }) => {
  port.postMessage({ type: 'start', id: m.id });
  port.postMessage({ type: 'done', id: m.id, compilation: compiler.compile(m.code, m.tests) });
});
