/**
 * Worker entry for one JavaScript run (TypeScript arrives here already transpiled). It builds
 * a fresh vm context with {@link CONTEXT_PRELUDE}, reports ready with the context's output
 * channel, runs exactly one job, and is then terminated by the host: never reused.
 *
 * Only strings and numbers cross between this file and the context. Values the code throws
 * or leaves behind are handed, untouched, to the prelude's own functions.
 */
import { parentPort } from 'node:worker_threads';
import * as vm from 'node:vm';
import { types } from 'node:util';
import { CONTEXT_PRELUDE } from './contextPrelude';
import type { WorkerJob } from './protocol';

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

// A null-prototype sandbox object: global lookups that miss must not reach a host prototype.
const context = vm.createContext(Object.create(null), {
  name: 'sandbox',
  codeGeneration: { strings: true, wasm: true },
  microtaskMode: 'afterEvaluate',
});
const controlValue: unknown = new vm.Script(CONTEXT_PRELUDE, { filename: 'prelude.js' }).runInContext(context);
// Read the control object now, while no user code has run; keep plain function references.
const c = controlValue as Control;
const ctl = {
  sab: c.sab, mainFailed: c.mainFailed, setLast: c.setLast, runTimers: c.runTimers, nextTimer: c.nextTimer,
  importError: c.importError, testPassed: c.testPassed, testFailed: c.testFailed,
  testCompileError: c.testCompileError, finish: c.finish,
};
if (!types.isSharedArrayBuffer(ctl.sab)) throw new Error('prelude did not produce an output channel');
const drain = new vm.Script('', { filename: 'drain.js' });
const runOptions = { displayErrors: false, breakOnSigint: false };

/** The import() rejection is an error made inside the context, never a host error. */
function importModuleDynamically(specifier: string): never {
  throw ctl.importError(String(specifier));
}

function compile(code: string, filename: string): vm.Script | { type: string; message: string; line: number } {
  try {
    return new vm.Script(code, { filename, importModuleDynamically: importModuleDynamically as never });
  } catch (e) {
    // Compilation happens in this (host) realm: the error is ours to read.
    const err = e as Error;
    const m = typeof err.stack === 'string' ? new RegExp(`${filename.replace('.', '\\.')}:(\\d+)`).exec(err.stack) : null;
    return { type: err.name || 'SyntaxError', message: String(err.message), line: m ? Number(m[1]) : 0 };
  }
}

async function settleTimers(): Promise<void> {
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

async function run(job: WorkerJob): Promise<void> {
  const main = compile(job.code, 'main.js');
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
  if (!failed) await settleTimers();
  // Tests only make sense against code that ran to the end.
  if (!failed) {
    job.tests.forEach((src, i) => {
      const t = compile(src, `test-${i}.js`);
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

port.once('message', (job: WorkerJob) => {
  run(job).catch((e: unknown) => {
    // Only our own code reaches here (user errors are caught above); report it as ours.
    port.postMessage({ type: 'done', result: JSON.stringify({ status: 'sandbox_error', error: { type: 'SandboxError', message: String(e instanceof Error ? e.message : typeof e) }, tests: [] }) });
  });
});
port.postMessage({ type: 'ready', channel: ctl.sab });
