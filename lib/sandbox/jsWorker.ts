/**
 * Worker entry for JavaScript runs (TypeScript arrives here already transpiled). For every job
 * it builds a fresh vm context with {@link CONTEXT_PRELUDE} (a realm of its own: no object of
 * an earlier run's context is reachable from it), reports ready with that context's output
 * channel, and runs the job in it. Then the host either terminates the worker or, after a job
 * that ended cleanly, asks for the `next` context (see JsWorkers.ts for when).
 *
 * Only strings and numbers cross between this file and the context. Values the code throws
 * or leaves behind are handed, untouched, to the prelude's own functions.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as vm from 'node:vm';
import { types } from 'node:util';
import { channelBytes } from './channelLayout';
import { CONTEXT_PRELUDE } from './contextPrelude';
import type { WorkerJob, WorkerNext } from './protocol';

interface Control {
  sab: SharedArrayBuffer;
  mainFailed(e: unknown): void;
  setLast(v: unknown): void;
  runTimers(): void;
  nextTimer(): number;
  importError(specifier: string): unknown;
  testPassed(i: number, src: string): void;
  testFailed(i: number, src: string, e: unknown): void;
  testCompileError(i: number, src: string, type: string, message: string, line: number): void;
  finish(): string;
}

const port = parentPort;
if (!port) throw new Error('jsWorker must run in a worker thread');

const prelude = new vm.Script(CONTEXT_PRELUDE, { filename: 'prelude.js' });
/** Every context's output channel holds the cap the host made this worker for (see JsWorkers.ts). */
const CHANNEL_BYTES = channelBytes(Number((workerData as { outputBytes?: unknown } | undefined)?.outputBytes));
const drain = new vm.Script('', { filename: 'drain.js' });
const runOptions = { displayErrors: false, breakOnSigint: false };

/** A fresh context with the prelude's control functions, read before any user code ran. */
interface Realm {
  context: vm.Context;
  ctl: Control;
}

/** The realm of the coming job; undefined while a job runs or before `next`. */
let prepared: Realm | undefined;

function prepare(): void {
  // A null-prototype sandbox object: global lookups that miss must not reach a host prototype.
  const context = vm.createContext(Object.create(null), {
    name: 'sandbox',
    codeGeneration: { strings: true, wasm: true },
    microtaskMode: 'afterEvaluate',
  });
  const makeControl = prelude.runInContext(context) as (channelBytes: number) => Control;
  const c = makeControl(CHANNEL_BYTES);
  // Plain function references, so nothing the code later does to the object matters.
  const ctl: Control = {
    sab: c.sab, mainFailed: c.mainFailed, setLast: c.setLast, runTimers: c.runTimers, nextTimer: c.nextTimer,
    importError: c.importError, testPassed: c.testPassed, testFailed: c.testFailed,
    testCompileError: c.testCompileError, finish: c.finish,
  };
  if (!types.isSharedArrayBuffer(ctl.sab)) throw new Error('prelude did not produce an output channel');
  prepared = { context, ctl };
  port!.postMessage({ type: 'ready', channel: ctl.sab });
}

function compile(realm: Realm, code: string, filename: string): vm.Script | { type: string; message: string; line: number } {
  // The import() rejection is an error made inside the run's own context, never a host error.
  const importModuleDynamically = (specifier: string): never => {
    throw realm.ctl.importError(String(specifier));
  };
  try {
    return new vm.Script(code, { filename, importModuleDynamically: importModuleDynamically as never });
  } catch (e) {
    // Compilation happens in this (host) realm: the error is ours to read.
    const err = e as Error;
    const m = typeof err.stack === 'string' ? new RegExp(`${filename.replace('.', '\\.')}:(\\d+)`).exec(err.stack) : null;
    return { type: err.name || 'SyntaxError', message: String(err.message), line: m ? Number(m[1]) : 0 };
  }
}

async function settleTimers({ context, ctl }: Realm): Promise<void> {
  for (;;) {
    // Host-side settlements (an import() rejection) land on the context's queue after a
    // host tick; drain it before deciding that nothing is left to do.
    await new Promise((r) => setImmediate(r));
    drain.runInContext(context, runOptions);
    const wait = ctl.nextTimer();
    if (typeof wait !== 'number' || wait < 0) return;
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, 2 ** 31 - 1)));
    ctl.runTimers();
    drain.runInContext(context, runOptions);
  }
}

async function run(job: WorkerJob, realm: Realm): Promise<void> {
  const { context, ctl } = realm;
  const main = compile(realm, job.code, 'main.js');
  if (!(main instanceof vm.Script)) {
    const error = { type: main.type, message: main.message, line: main.line || undefined };
    port!.postMessage({ type: 'done', result: JSON.stringify({ status: 'syntax_error', error, tests: [] }) });
    return;
  }
  let failed = false;
  try {
    ctl.setLast(main.runInContext(context, runOptions));
  } catch (e) {
    failed = true;
    ctl.mainFailed(e);
  }
  if (!failed) await settleTimers(realm);
  // Tests only make sense against code that ran to the end.
  if (!failed) {
    job.tests.forEach((src, i) => {
      const t = compile(realm, src, `test-${i}.js`);
      if (!(t instanceof vm.Script)) return ctl.testCompileError(i, src, t.type, t.message, t.line);
      try {
        t.runInContext(context, runOptions);
        ctl.testPassed(i, src);
      } catch (e) {
        ctl.testFailed(i, src, e);
      }
    });
  }
  const result = ctl.finish();
  port!.postMessage({ type: 'done', result: typeof result === 'string' ? result : '{"status":"sandbox_error","tests":[]}' });
}

port.on('message', (m: WorkerJob | WorkerNext) => {
  if (m.type === 'next') {
    if (prepared === undefined) prepare();
    return;
  }
  // One job per context: taken now, it is never handed to another job.
  const realm = prepared;
  prepared = undefined;
  if (m.type !== 'job' || realm === undefined) return;
  run(m, realm).catch((e: unknown) => {
    // Only our own code reaches here (user errors are caught above); report it as ours.
    port.postMessage({ type: 'done', result: JSON.stringify({ status: 'sandbox_error', error: { type: 'SandboxError', message: String(e instanceof Error ? e.message : typeof e) }, tests: [] }) });
  });
});
prepare();
