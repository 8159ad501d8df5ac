/**
 * Worker entry for Python. Three modes (workerData.mode):
 * - `snapshot`: boot Pyodide from scratch, import the harness, post a memory snapshot, exit.
 * - `run`: boot Pyodide from that snapshot (~0.3 s instead of ~2.5 s), scrub this realm,
 *   report ready with an output channel, run a job. On `next` (after a job that ended cleanly)
 *   the thread goes on: its interpreter is put back in place at the start of the next job
 *   (pyReset.ts, ~10 ms), or, when the job changed what a reset cannot undo, retired and a
 *   fresh one booted from the snapshot in this thread (~0.1 s of CPU instead of ~0.3 s for a
 *   new thread). See pyRealm.ts for what must not cross, and how. A realm the job changed
 *   is not reused: the worker exits and the host replaces it.
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
import { InterpreterReset, type PyodideInternals } from './pyReset';

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
  /** `run` mode: put a used interpreter back in place (pyReset.ts) rather than boot a fresh one for the next job. */
  reset?: boolean;
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

async function boot(jsglobals: object = Object.create(null)): Promise<PyodideLike> {
  const { loadPyodide } = require(pyodideDir) as { loadPyodide: (o: Record<string, unknown>) => Promise<PyodideLike> };
  const quiet = () => undefined;
  const restore = data.wasm ? instantiateFrom(data.wasm) : () => undefined;
  try {
    return await loadPyodide({
      indexURL: pyodideDir + path.sep,
      // `import js` sees this empty object, not this realm's globalThis.
      jsglobals,
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
  /** The output channel of this interpreter's jobs (the host re-arms it for each). */
  channel: SharedArrayBuffer;
  /** Points the interpreter's stdout and stderr at `channel`, or nowhere (between jobs). */
  connect(channel: SharedArrayBuffer | undefined): void;
  realm: RealmRecord | undefined;
  /** Puts the interpreter back for the next job; undefined when each job gets a fresh one. */
  reset: InterpreterReset | undefined;
  /** Jobs this interpreter has run. */
  jobs: number;
}

/** Interpreters this thread has booted, and jobs it has run (the ready log says which ones). */
let interpreters = 0;
let jobsOfThread = 0;

async function prepare(started: number): Promise<Prepared> {
  interpreters++;
  const jsglobals = Object.create(null) as object;
  unscrubRealm();
  let py: PyodideLike;
  try {
    py = await boot(jsglobals);
  } finally {
    scrubRealm();
  }
  const booted = performance.now();
  block(py);
  // Output reaches the current job's channel only; whatever prints between jobs is dropped.
  let sink: ((stream: 0 | 1, text: string) => void) | undefined;
  let outDecoder = new TextDecoder(), errDecoder = new TextDecoder();
  py.setStdout({ write: (b) => (sink?.(0, outDecoder.decode(b, { stream: true })), b.length) });
  py.setStderr({ write: (b) => (sink?.(1, errDecoder.decode(b, { stream: true })), b.length) });
  py.setStdin({ error: true });
  const connect = (channel: SharedArrayBuffer | undefined) => {
    outDecoder = new TextDecoder();
    errDecoder = new TextDecoder();
    sink = channel && makeChannelWriter(channel, CHANNEL_LAYOUT);
  };
  const run = py.runPython(`import _ce_harness\n_ce_harness.run`) as (code: string, tests: string) => string;
  py.runPython(PYTHON_LOCKDOWN);
  let reset: InterpreterReset | undefined;
  if (data.mode === 'run' && data.reset) {
    // Pyodide adds a decoder to Module the first time a string of 64+ characters comes back
    // from Python (a job's result always does), which would read as a change after the first
    // job and cost it the reset: made here, before the record. (Three warm-up jobs of every
    // outcome found no other such property, but cost the first run ~250 ms.)
    py.runPython(`'${'x'.repeat(64)}'`);
    reset = new InterpreterReset(py as unknown as PyodideInternals, jsglobals);
  }
  // One channel for all the jobs of this interpreter: the largest one.
  const channel = new SharedArrayBuffer(channelBytes(STREAM_CAPACITY));
  connect(channel);
  post({ type: 'log', message: `python ready in ${Math.round(performance.now() - started)} ms (boot ${Math.round(booted - started)} ms${precompiled ? ', precompiled wasm' : ''}; interpreter ${interpreters} of this thread, job ${jobsOfThread + 1} of this thread)` });
  return { py, run, channel, connect, realm: data.mode === 'run' ? new RealmRecord() : undefined, reset, jobs: 0 };
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
 * first, by code that trusts nothing the job could have changed). Undefined when it is;
 * otherwise the change, logged.
 */
function realmChange(p: Prepared): string | undefined {
  const changed = p.realm?.difference();
  if (changed !== undefined) post({ type: 'log', message: `python worker not reused: ${changed}` });
  return changed;
}

/** Nothing of a discarded interpreter may run again: its timers and finalizers are cut off and its memory zeroed. */
function discard(p: Prepared): boolean {
  gates.retire();
  const memory = (p.py._module as { HEAPU8?: Uint8Array } | undefined)?.HEAPU8;
  if (!memory) {
    post({ type: 'log', message: 'python worker not reused: its interpreter memory was not found' });
    return false;
  }
  new Uint8Array(memory.buffer).fill(0);
  return true;
}

/** Why a used interpreter cannot be put back for the next job, or undefined when it can (logged when not). */
function unrestorable(p: Prepared, thorough: boolean): string | undefined {
  const why = p.reset ? p.reset.unrestorable(thorough) : 'this thread boots an interpreter for each job';
  if (why !== undefined && p.reset) post({ type: 'log', message: `python interpreter not reset: ${why}` });
  return why;
}

/** Runs `job` on `p` with its output going to `channel`, and reports it done. */
function finish(p: Prepared, channel: SharedArrayBuffer, job: WorkerJob): void {
  p.connect(channel);
  p.jobs++;
  jobsOfThread++;
  const { result, fatal } = runJob(p, job);
  p.connect(undefined);
  post({ type: 'done', result, fatal });
}

const failedToBoot = (e: unknown) => {
  post({ type: 'log', message: `python worker failed to boot again: ${e instanceof Error ? e.message : String(e)}` });
  exitWorker(1);
};

async function main(): Promise<void> {
  if (data.mode === 'snapshot') {
    const py = await boot();
    py.runPython(`import sys, types\n_m = types.ModuleType('_ce_harness')\nexec(${JSON.stringify(PYTHON_HARNESS)}, _m.__dict__)\nsys.modules['_ce_harness'] = _m\ndel _m`);
    const snapshot = py.makeMemorySnapshot();
    post({ type: 'snapshot', snapshot }, [snapshot.buffer as ArrayBuffer]);
    return;
  }
  // `ready`: the interpreter of the coming job; `spent`: the one that ran the last (`run`
  // mode), kept until `next` says whether this thread goes on.
  let ready: Prepared | undefined = await prepare(performance.now());
  let spent: Prepared | undefined;
  const first = ready;
  port!.on('message', (m: WorkerJob | WorkerNext) => {
    if (m.type === 'next') {
      if (data.mode !== 'run' || spent === undefined || ready !== undefined) return;
      const started = performance.now();
      const old = spent;
      spent = undefined;
      if (realmChange(old) !== undefined) return exitWorker(0);
      if (unrestorable(old, true) === undefined) {
        // Put back at the start of the job (see below); its timers go now.
        gates.retire();
        ready = old;
        post({ type: 'log', message: `python ready in ${Math.round(performance.now() - started)} ms (reset; interpreter ${interpreters} of this thread, job ${jobsOfThread + 1} of this thread)` });
        post({ type: 'ready', channel: old.channel });
        return;
      }
      if (!discard(old)) return exitWorker(0);
      prepare(started).then((p) => {
        ready = p;
        post({ type: 'ready', channel: p.channel });
      }, failedToBoot);
      return;
    }
    const p = ready;
    if (m.type !== 'job' || p === undefined) return;
    if (data.mode !== 'run') return finish(p, p.channel, m);
    ready = undefined;
    spent = p;
    if (p.jobs === 0) return finish(p, p.channel, m);
    // A used interpreter is checked and put back here, in the same turn as the job, so
    // nothing (a late callback of the last job) can run between the two. The realm was
    // checked on `next`; a change since then ends the thread, and the host reports this job
    // as a sandbox error.
    if (realmChange(p) !== undefined) return exitWorker(0);
    let why = unrestorable(p, false);
    if (why === undefined) {
      try {
        p.reset!.restore();
      } catch (e) {
        why = `the reset failed: ${e instanceof Error ? e.message : String(e)}`;
        post({ type: 'log', message: `python interpreter not reset: ${why}` });
      }
    }
    if (why === undefined) return finish(p, p.channel, m);
    if (!discard(p)) return exitWorker(0);
    prepare(performance.now()).then((q) => {
      spent = q;
      finish(q, p.channel, m);
    }, failedToBoot);
  });
  post({ type: 'ready', channel: first.channel });
}

main().catch((e: unknown) => {
  port.postMessage({ type: 'log', message: `python worker failed to start: ${e instanceof Error ? e.stack : String(e)}` });
  exitWorker(1);
});
