/**
 * Worker entry for Python. Three modes (workerData.mode):
 * - `snapshot`: boot Pyodide from scratch, import the harness, post a memory snapshot, exit.
 * - `run`: boot Pyodide from that snapshot (a fresh interpreter, ~0.3 s instead of ~2.5 s),
 *   scrub this realm, report ready with an output channel, run exactly one job. An interpreter
 *   is never reused, but the thread may be: on `next` (after a job that ended cleanly) the
 *   old interpreter is retired and a fresh one booted from the snapshot in this thread, ~0.1 s
 *   of CPU instead of ~0.3 s for a new thread, and without the new isolate's cold JS in the
 *   run (see pyRealm.ts for what must not cross, and how). A realm the job changed is not
 *   reused: the worker exits and the host replaces it.
 * - `shared`: the same, but run jobs one after another until the host ends it (requests with
 *   `isolation: 'shared'`: programs that read their input only as data, like the analyser).
 *
 * Pyodide in Node is not a sandbox by itself: `import js` and every JsProxy reach this
 * realm. So before user code runs the realm loses `process`, `require` (Pyodide installs a
 * global one that hands out fs and child_process), `fetch` and friends, and the host runs
 * with code generation from strings disabled, so no proxy can compile new JS.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as path from 'node:path';
import { channelBytes, STREAM_CAPACITY } from './channelLayout';
import { CHANNEL_LAYOUT, makeChannelWriter } from './channel';
import { PYTHON_HARNESS, PYTHON_LOCKDOWN } from './pythonHarness';
import type { CompiledWasm, WorkerJob, WorkerNext } from './protocol';
import { WASM } from './wasm';
import { InterpreterGates, RealmRecord } from './pyRealm';

interface PyodideLike {
  runPython(code: string, options?: { globals?: unknown }): unknown;
  setStdout(o: { write: (b: Uint8Array) => number }): void;
  setStderr(o: { write: (b: Uint8Array) => number }): void;
  setStdin(o: { error: boolean }): void;
  makeMemorySnapshot(): Uint8Array;
  globals: { get(name: string): unknown };
  [key: string]: unknown;
}

const port = parentPort;
if (!port) throw new Error('pyWorker must run in a worker thread');
const data = workerData as {
  mode: 'snapshot' | 'run' | 'shared';
  pyodideDir: string;
  snapshot?: Uint8Array;
  /** pyodide.asm.wasm compiled by the host, and the file's size (to know its bytes when Pyodide hands them over). */
  wasm?: CompiledWasm;
};
// Kept before the realm is scrubbed of `process` (and before any job could change what they call).
const exitWorker = process.exit.bind(process);
const post = port.postMessage.bind(port);
const pyodideDir = data.pyodideDir;

// Node's permission model denies process.binding, which Pyodide's NODEFS calls once for fs
// flag constants; hand it those constants and nothing else.
const fsConstants = require('node:fs').constants;
(process as unknown as { binding: (n: string) => unknown }).binding = (name: string) => {
  if (name === 'constants') return { fs: fsConstants, os: require('node:os').constants };
  throw new Error(`process.binding('${name}') is not available`);
};

const REALM_SCRUB = [
  'process', 'require', 'module', 'exports', 'Buffer', 'global', 'fetch', 'Request', 'Response', 'Headers',
  'FormData', 'WebSocket', 'EventSource', 'BroadcastChannel', 'MessageChannel', 'MessagePort', 'navigator',
];
// What the scrub takes, kept for the next interpreter's boot: Pyodide finds Node through
// `process`. Between a job and that boot only this file's code and Pyodide's run.
const scrubbed = REALM_SCRUB.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
const G = globalThis as Record<string, unknown>;
const scrubRealm = () => scrubbed.forEach(([name]) => delete G[name]);
const unscrubRealm = () => scrubbed.forEach(([name, d]) => d && Object.defineProperty(globalThis, name, d));
const gates = new InterpreterGates();
if (data.mode === 'run') gates.install();

/**
 * Until Pyodide has instantiated its main module, answers that one instantiation from the
 * host's compiled module (the bytes Pyodide read are the same file's); returns the undo.
 */
/** Whether this interpreter was instantiated from the host's compiled module (for the ready log). */
let precompiled = false;
function instantiateFrom({ module, bytes }: CompiledWasm): () => void {
  const original = WASM.instantiate;
  const restore = () => {
    WASM.instantiate = original;
  };
  WASM.instantiate = async (source: unknown, imports?: object) => {
    const main = (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) && source.byteLength === bytes;
    if (!main) return original.call(WASM, source, imports);
    restore();
    try {
      const instance = await original.call(WASM, module, imports);
      precompiled = true;
      return { instance, module };
    } catch {
      return original.call(WASM, source, imports); // as Pyodide would have: from its bytes
    }
  };
  return restore;
}

async function boot(): Promise<PyodideLike> {
  const { loadPyodide } = require(pyodideDir) as { loadPyodide: (o: Record<string, unknown>) => Promise<PyodideLike> };
  const quiet = () => undefined;
  const restore = data.wasm ? instantiateFrom(data.wasm) : () => undefined;
  try {
    return await loadPyodide({
      indexURL: pyodideDir + path.sep,
      // `import js` sees this empty object, not this realm's globalThis.
      jsglobals: Object.create(null),
      env: { HOME: '/home/pyodide', PYTHONHASHSEED: '0' },
      stdout: quiet,
      stderr: quiet,
      checkAPIVersion: true,
      ...(data.mode === 'snapshot' ? { _makeSnapshot: true } : { _loadSnapshot: data.snapshot }),
    });
  } finally {
    restore();
  }
}

function block(py: PyodideLike): void {
  const refuse = () => {
    throw new Error('packages are not available in the sandbox');
  };
  for (const name of ['loadPackage', 'loadPackagesFromImports', 'mountNodeFS', 'mountNativeFS']) {
    try {
      py[name] = refuse;
    } catch (e) {
      // A read-only API member stays as it is; the jail and the missing network still hold.
      post({ type: 'log', message: `could not block pyodide.${name}: ${(e as Error).message}` });
    }
  }
}

/** The interpreter of the coming job, and what the host needs to run it. */
interface Prepared {
  py: PyodideLike;
  run: (code: string, tests: string) => string;
  channel: SharedArrayBuffer;
  realm: RealmRecord | undefined;
}

/** Interpreters this thread has booted (the ready log says which one is ready). */
let interpreters = 0;

async function prepare(started: number): Promise<Prepared> {
  interpreters++;
  unscrubRealm();
  let py: PyodideLike;
  try {
    py = await boot();
  } finally {
    scrubRealm();
  }
  const booted = performance.now();
  block(py);
  // An interpreter runs one job (or the shared one many, one channel for all): the largest channel.
  const channel = new SharedArrayBuffer(channelBytes(STREAM_CAPACITY));
  const write = makeChannelWriter(channel, CHANNEL_LAYOUT);
  const outDecoder = new TextDecoder(), errDecoder = new TextDecoder();
  py.setStdout({ write: (b) => (write(0, outDecoder.decode(b, { stream: true })), b.length) });
  py.setStderr({ write: (b) => (write(1, errDecoder.decode(b, { stream: true })), b.length) });
  py.setStdin({ error: true });
  const run = py.runPython(`import _ce_harness\n_ce_harness.run`) as (code: string, tests: string) => string;
  py.runPython(PYTHON_LOCKDOWN);
  post({ type: 'log', message: `python ready in ${Math.round(performance.now() - started)} ms (boot ${Math.round(booted - started)} ms${precompiled ? ', precompiled wasm' : ''}; interpreter ${interpreters} of this thread)` });
  return { py, run, channel, realm: data.mode === 'run' ? new RealmRecord() : undefined };
}

/** Runs a job; a failure of the interpreter itself is the code's runtime error, and fatal. */
function runJob(p: Prepared, job: WorkerJob): { result: string; fatal: boolean } {
  try {
    return { result: String(p.run(job.code, JSON.stringify(job.tests))), fatal: false };
  } catch (e) {
    // The interpreter itself failed (stack exhaustion in a C frame, a fatal Pyodide error):
    // this realm is dead either way, report it as the code's runtime error.
    const message = e instanceof Error ? e.message : String(e);
    const type = /call stack|recursion/i.test(message) ? 'RecursionError' : /memory/i.test(message) ? 'MemoryError' : 'FatalError';
    return { result: JSON.stringify({ status: 'runtime_error', error: { type, message: message.slice(-500) }, tests: [] }), fatal: true };
  }
}

/**
 * After a job: the realm must be as the boot left it, or this thread ends here (checked
 * first, by code that trusts nothing the job could have changed); then nothing of the old
 * interpreter may run again: its timers and finalizers are cut off and its memory zeroed.
 */
function retire(p: Prepared): boolean {
  const changed = p.realm?.difference();
  if (changed !== undefined) {
    post({ type: 'log', message: `python worker not reused: ${changed}` });
    return false;
  }
  gates.retire();
  const memory = (p.py._module as { HEAPU8?: Uint8Array } | undefined)?.HEAPU8;
  if (!memory) {
    post({ type: 'log', message: 'python worker not reused: its interpreter memory was not found' });
    return false;
  }
  new Uint8Array(memory.buffer).fill(0);
  return true;
}

async function main(): Promise<void> {
  if (data.mode === 'snapshot') {
    const py = await boot();
    py.runPython(`import sys, types\n_m = types.ModuleType('_ce_harness')\nexec(${JSON.stringify(PYTHON_HARNESS)}, _m.__dict__)\nsys.modules['_ce_harness'] = _m\ndel _m`);
    const snapshot = py.makeMemorySnapshot();
    post({ type: 'snapshot', snapshot }, [snapshot.buffer as ArrayBuffer]);
    return;
  }
  // `ready`: the interpreter of the coming job; `spent`: the one that ran the last (`run`
  // mode: one job each), kept only to be retired on `next`.
  let ready: Prepared | undefined = await prepare(performance.now());
  let spent: Prepared | undefined;
  const first = ready;
  port!.on('message', (m: WorkerJob | WorkerNext) => {
    if (m.type === 'next') {
      if (data.mode !== 'run' || spent === undefined || ready !== undefined) return;
      const old = spent;
      spent = undefined;
      if (!retire(old)) return exitWorker(0);
      prepare(performance.now()).then((p) => {
        ready = p;
        post({ type: 'ready', channel: p.channel });
      }, (e: unknown) => {
        post({ type: 'log', message: `python worker failed to boot again: ${e instanceof Error ? e.message : String(e)}` });
        exitWorker(1);
      });
      return;
    }
    const p = ready;
    if (m.type !== 'job' || p === undefined) return;
    if (data.mode === 'run') {
      ready = undefined;
      spent = p;
    }
    const { result, fatal } = runJob(p, m);
    post({ type: 'done', result, fatal });
  });
  post({ type: 'ready', channel: first.channel });
}

main().catch((e: unknown) => {
  port.postMessage({ type: 'log', message: `python worker failed to start: ${e instanceof Error ? e.stack : String(e)}` });
  exitWorker(1);
});
