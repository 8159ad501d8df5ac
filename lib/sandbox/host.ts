/**
 * The sandbox host: a separate, jailed process that owns the warm worker pools and runs jobs.
 * It speaks newline-delimited JSON on stdin/stdout (see protocol.ts). Its configuration comes
 * as one JSON argument ({@link HostConfig}). Nothing here trusts what a worker sends back.
 */
import * as path from 'node:path';
import * as readline from 'node:readline';
import { spawnWarmWorker, type WarmWorker } from './WarmWorker';
import { readSnapshot } from './pythonSnapshotCache';
import { JsWorkers, type TurnHooks, type WorkerMade } from './JsWorkers';
import { runInWorker } from './runInWorker';
import { Turns } from './Turns';
import { TypeScriptWorker } from './TypeScriptWorker';
import type { CompiledWasm, HostRequest, HostResponse, WorkerJob } from './protocol';
import { WASM } from './wasm';
import type { Language, RunResult, SandboxLimits, TestResult } from './types';

/** Configuration the Sandbox passes to the host. */
export interface HostConfig {
  /** Warm JS workers kept ready. */
  jsPool: number;
  /** JS (and checked TypeScript) runs holding a worker at once; the rest wait. */
  jsRunsAtOnce: number;
  /** Jobs one JS worker runs, each in a fresh context, before it is replaced (see JsWorkers.ts). */
  jsRunsPerWorker: number;
  /** Warm Python interpreters kept ready. */
  pythonPool: number;
  /** Jobs one Python worker thread runs before it is replaced (see pyWorker.ts). */
  pythonRunsPerWorker: number;
  /** Whether a Python thread puts its used interpreter back in place for the next job (see pyReset.ts). */
  pythonReset: boolean;
  /** Python runs holding an interpreter at once (see pythonRunsAtOnce in Sandbox.ts); the rest wait. */
  pythonRunsAtOnce: number;
  /** Languages to warm up at start (Python: the snapshot; TypeScript: the lib files). */
  warm: Language[];
  /** memoryMb the warm workers are made for; other values get a fresh worker. */
  memoryMb: number;
  /** outputBytes the warm JS workers' channels are made for; other values get a fresh worker. */
  outputBytes: number;
  /** The largest WebAssembly memory (--wasm-max-mem-pages): a Python interpreter's heap at most. */
  wasmMemoryMb: number;
  /**
   * Real directories of the packages the host loads. Loading them by name would walk
   * node_modules, and a symlinked node_modules (pnpm, a shared checkout) lies outside the
   * host's read view, so the permission model would refuse it.
   */
  packages: { pyodide: string; typescript: string };
  /** The boot snapshot's file (see pythonSnapshotCache.ts): loaded when whole, else made and sent to the caller. */
  pythonSnapshotFile?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as HostConfig;
const send = (m: HostResponse) => process.stdout.write(JSON.stringify(m) + '\n');
const log = (message: string) => send({ type: 'log', message });
const JS_WORKER = path.join(__dirname, 'jsWorker.js');
const PY_WORKER = path.join(__dirname, 'pyWorker.js');

function jsLimits(memoryMb: number) {
  // A small code range keeps each isolate's address-space reservation (and so the host's
  // RLIMIT_AS budget) low: the default reserves 128 MiB+ per worker.
  return { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(16, Math.max(4, memoryMb >> 4)), codeRangeSizeMb: 16, stackSizeMb: 4 };
}

let snapshot: Promise<Uint8Array> | undefined;
// Set when an interpreter failed to start from the file's snapshot: make a new one instead.
let snapshotFileRejected = false;
let snapshotFromFile = false;
function pythonSnapshot(): Promise<Uint8Array> {
  snapshot ??= (async () => {
    const file = config.pythonSnapshotFile;
    const started = Date.now();
    const cached = file === undefined || snapshotFileRejected ? undefined : readSnapshot(file);
    snapshotFromFile = cached !== undefined;
    if (cached) {
      log(`python snapshot: ${cached.byteLength} bytes loaded from ${file} in ${Date.now() - started} ms`);
      return cached;
    }
    const made = await makePythonSnapshot();
    if (file !== undefined) void sendSnapshot(made);
    return made;
  })();
  snapshot.catch(() => {
    // Let a later request retry instead of failing forever.
    snapshot = undefined;
  });
  return snapshot;
}

/**
 * Pyodide's wasm, compiled once for every interpreter of this host: each would otherwise
 * compile the 9.6 MB module again and re-run V8's optimising tier on it in the background
 * (measured: 15-25% of a boot's CPU). Undefined if it cannot be compiled here: each
 * interpreter then compiles its own.
 */
let pyodideWasm: Promise<CompiledWasm | undefined> | undefined;
function pythonWasmModule(): Promise<CompiledWasm | undefined> {
  pyodideWasm ??= (async () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { readFile } = require('node:fs/promises') as typeof import('node:fs/promises');
      const bytes = await readFile(path.join(config.packages.pyodide, 'pyodide.asm.wasm'));
      return { module: await WASM.compile(bytes), bytes: bytes.byteLength };
    } catch (e) {
      log(`pyodide wasm not precompiled: ${(e as Error).message}`);
      return undefined;
    }
  })();
  return pyodideWasm;
}

const SNAPSHOT_PART_BYTES = 1 << 20;

/** Sends a snapshot to the caller a part per turn of the event loop (stdout to a pipe writes synchronously). */
async function sendSnapshot(bytes: Uint8Array): Promise<void> {
  const parts = Math.ceil(bytes.byteLength / SNAPSHOT_PART_BYTES);
  for (let part = 0; part < parts; part++) {
    await new Promise((resolve) => setImmediate(resolve));
    const at = part * SNAPSHOT_PART_BYTES;
    const data = Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(SNAPSHOT_PART_BYTES, bytes.byteLength - at)).toString('base64');
    send({ type: 'snapshot', part, parts, data });
  }
}

function makePythonSnapshot(): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const started = Date.now();
    const w = spawnWarmWorkerForSnapshot();
    w.on('message', (m: { type: string; snapshot?: Uint8Array; message?: string }) => {
      if (m.type === 'log') log(String(m.message));
      if (m.type === 'snapshot' && m.snapshot) {
        log(`python snapshot: ${m.snapshot.byteLength} bytes in ${Date.now() - started} ms`);
        resolve(m.snapshot);
        void w.terminate();
      }
    });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`snapshot worker exited with code ${code}`)));
  });
}

function spawnWarmWorkerForSnapshot() {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const w = new Worker(PY_WORKER, { workerData: { mode: 'snapshot', pyodideDir: config.packages.pyodide }, stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: 512 } });
  w.stdout.resume();
  w.stderr.resume();
  return w;
}

/** Starts a JS worker whose contexts' output channels hold `outputBytes` (see JsWorkers.ts). */
function spawnJs({ memoryMb, outputBytes }: WorkerMade): WarmWorker {
  const worker = spawnWarmWorker({ file: JS_WORKER, memoryMb, resourceLimits: jsLimits(memoryMb), workerData: () => ({ outputBytes }), onLog: log });
  log(`js worker started (${jsWorkers.started} so far)`);
  return worker;
}

/**
 * Python work in flight (interpreters booting, runs): each grows the host's RSS by up to a few
 * hundred MB, which a JS run's RSS watch must not take for its own (a JS run looping while the
 * pool booted at start came back memory_limit). Counted while each promise is pending.
 */
/** MB the Python work in flight may grow the host's RSS by, and the running sum of all started (see runInWorker's `others`). */
let pythonInFlightMb = 0;
let pythonStartedMb = 0;
/**
 * The most one piece of Python work grows the host's RSS by: a run, its interpreter's wasm
 * memory (at most wasmMemoryMb) and some JS; a boot (or a reset), a new interpreter's heap,
 * JS and heap copy. Growth beyond what the work in flight can account for is a JS run's own
 * (an ArrayBuffer bomb beside the pool's boots after a host restart went unseen until
 * RLIMIT_AS while all growth was excused).
 */
const PYTHON_RUN_GROWTH_MB = config.wasmMemoryMb + 128;
const PYTHON_BOOT_GROWTH_MB = 384;
function pythonWork<T>(work: Promise<T>, growthMb: number): Promise<T> {
  pythonInFlightMb += growthMb;
  pythonStartedMb += growthMb;
  const done = () => {
    pythonInFlightMb -= growthMb;
  };
  work.then(done, done);
  return work;
}

/** Starts a Python worker once `gate` opens (see {@link PythonPool.fill}). */
function spawnPython(memoryMb: number, gate?: Promise<void>, mode: 'run' | 'shared' = 'run'): WarmWorker {
  const worker = spawnWarmWorker({
    file: PY_WORKER,
    memoryMb,
    // Pyodide's own JS needs some heap whatever the run's limit; Python's memory is wasm memory.
    resourceLimits: { maxOldGenerationSizeMb: Math.max(128, memoryMb), codeRangeSizeMb: 32, stackSizeMb: 4 },
    workerData: async () => {
      await gate;
      return { mode, pyodideDir: config.packages.pyodide, snapshot: await pythonSnapshot(), wasm: await pythonWasmModule(), reset: config.pythonReset };
    },
    onLog: log,
  });
  // Counted from when it starts booting: a refill queued behind another grows nothing yet.
  void Promise.resolve(gate).then(() => pythonWork(worker.ready, PYTHON_BOOT_GROWTH_MB)).catch(() => undefined);
  worker.ready.catch(() => {
    if (!snapshotFromFile || snapshotFileRejected) return;
    log('python did not start from the cached snapshot; making a new one');
    snapshotFileRejected = true;
    snapshot = undefined;
  });
  return worker;
}

/**
 * Keeps `size` warm Python interpreters. A taken one is not handed out again until its
 * thread comes back (see pyWorker.ts `next`: with its interpreter to be put back in place, or
 * a fresh one) after a job that ended cleanly, up to `runsPerWorker` jobs a thread.
 */
class PythonPool {
  // Each idle worker with the call that lets it start booting now.
  private readonly idle: { worker: WarmWorker; start: () => void }[] = [];
  private lastRefill: Promise<unknown> | undefined;
  /** Pooled workers out on a job that may come back. */
  private out = 0;
  constructor(private readonly size: number, private readonly runsPerWorker: number, private readonly maxIdle: number) {}
  /** Boots queued refills after `before` (the shared interpreter's boot at start). */
  after(before: Promise<unknown>): this {
    this.lastRefill = before;
    return this;
  }
  /**
   * Tops the pool up, counting workers out on a job as coming back. Python interpreters boot
   * one after another (0.3–1 s of CPU each in a new thread), so refills do not crowd out the
   * run that triggered them on a small machine; a run that takes a worker still queued
   * starts it at once.
   */
  fill(): void {
    while (this.idle.length + this.out < this.size) {
      let start!: () => void;
      const gate = new Promise<void>((resolve) => (start = resolve));
      if (this.lastRefill) void this.lastRefill.then(start, start);
      else start();
      const worker = spawnPython(config.memoryMb, gate);
      this.lastRefill = worker.ready;
      this.idle.push({ worker, start });
    }
  }
  /** Whether a run with this memory limit takes a pooled worker (that may come back). */
  pooled(memoryMb: number): boolean {
    return memoryMb === config.memoryMb;
  }
  take(memoryMb: number): WarmWorker {
    if (!this.pooled(memoryMb)) return spawnPython(memoryMb);
    // Workers that failed to start are dropped (their replacements may start from a new snapshot).
    while (this.idle[0]?.worker.failed) this.idle.shift()!.worker.dispose();
    const warm = this.idle.shift();
    warm?.start();
    this.out++;
    const w = warm?.worker ?? spawnPython(memoryMb);
    this.fill();
    return w;
  }
  /**
   * {@link take}, but a thread coming back that did not boot again (its last job changed the
   * realm, see pyRealm.ts) is passed over for the next, so the run never pays for another's job.
   */
  async takeBooted(memoryMb: number): Promise<WarmWorker> {
    for (;;) {
      const warm = this.take(memoryMb);
      if (warm.jobsBefore === 0 || (await warm.ready.then(() => true, () => false))) return warm;
      this.giveBack(warm);
    }
  }
  /** After a pooled worker's job: one that ended cleanly and has runs left boots its next interpreter and goes first in line. */
  giveBack(warm: WarmWorker): void {
    this.out--;
    if (!warm.disposed && !warm.failed && warm.jobsBefore + 1 < this.runsPerWorker && this.idle.length < this.maxIdle) {
      const next = warm.next();
      void pythonWork(next.ready, PYTHON_BOOT_GROWTH_MB).catch(() => undefined);
      this.idle.unshift({ worker: next, start: () => undefined });
    } else {
      warm.dispose();
    }
    this.fill();
  }
}

/** Jobs one shared interpreter runs before a fresh one takes over (its heap only grows). */
const SHARED_JOBS_PER_INTERPRETER = 500;

/**
 * The one long-lived Python interpreter of `isolation: 'shared'` requests: jobs run on it one
 * after another; it is replaced when a job broke it, outlived its limits, or after
 * {@link SHARED_JOBS_PER_INTERPRETER} jobs.
 */
class SharedPython {
  private worker: WarmWorker | undefined;
  private jobs = 0;
  private queue: Promise<unknown> = Promise.resolve();

  run(job: WorkerJob, limits: SandboxLimits, cancelled: Promise<void>): Promise<RunResult> {
    const next = this.queue.then(() => this.runNow(job, limits, cancelled));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(job: WorkerJob, limits: SandboxLimits, cancelled: Promise<void>): Promise<RunResult> {
    if (!this.worker || this.worker.disposed || this.worker.failed || this.jobs >= SHARED_JOBS_PER_INTERPRETER) this.replace();
    const warm = this.worker!;
    this.jobs++;
    return pythonWork(runInWorker(warm, job, { ...limits, memoryMb: config.memoryMb }, { watchRss: false, cancelled, keep: true }), PYTHON_RUN_GROWTH_MB);
  }

  /** Boots the interpreter now (at host start); resolves when it is ready or failed. */
  warm(): Promise<unknown> {
    if (!this.worker) this.replace();
    return this.worker!.ready.catch(() => undefined);
  }

  private replace(): void {
    this.worker?.dispose();
    const warm = spawnPython(config.memoryMb, undefined, 'shared');
    // Between jobs nobody else listens: a death then only means the next job gets a new one.
    void warm.ready.then(({ worker }) => worker.on('error', () => warm.dispose()).on('exit', () => warm.dispose()), () => undefined);
    this.worker = warm;
    this.jobs = 0;
  }
}

const sharedPython = new SharedPython();

const pythonPool = new PythonPool(config.pythonPool, config.pythonRunsPerWorker, Math.max(config.pythonPool, config.pythonRunsAtOnce));
const jsWorkers = new JsWorkers({
  poolSize: config.jsPool,
  runsAtOnce: config.jsRunsAtOnce,
  runsPerWorker: config.jsRunsPerWorker,
  made: { memoryMb: config.memoryMb, outputBytes: config.outputBytes },
  spawn: spawnJs,
  others: { inFlightMb: () => pythonInFlightMb, startedMb: () => pythonStartedMb },
});
/**
 * Every interpreter reserves its wasm memory's maximum and its JS heap from the host's
 * address space (RLIMIT_AS): a dozen booting at once, as a search judging its candidates
 * together asked for, aborted the host and failed every run in flight. So only so many
 * runs hold one at a time; more would not finish sooner on these cores anyway.
 */
const pythonTurns = new Turns(Math.max(1, config.pythonRunsAtOnce || 1));
const typescript = new TypeScriptWorker(config.packages.typescript, log);

// Runs in flight, by id: resolving one's entry stops it (a `cancel` from the caller).
const cancels = new Map<number, () => void>();

async function run(req: Extract<HostRequest, { type: 'run' }>): Promise<RunResult> {
  const limits: SandboxLimits = req.limits;
  const cancelled = new Promise<void>((resolve) => cancels.set(req.id, resolve));
  try {
    return await runJob(req, limits, cancelled);
  } finally {
    cancels.delete(req.id);
  }
}

async function runJob(req: Extract<HostRequest, { type: 'run' }>, limits: SandboxLimits, cancelled: Promise<void>): Promise<RunResult> {
  if (req.language === 'python' && req.isolation === 'shared') {
    return sharedPython.run({ type: 'job', code: req.code, tests: req.tests }, limits, cancelled);
  }
  if (req.language === 'python') {
    // A run's clock starts when it has its interpreter, not while it waits for a turn.
    const job: WorkerJob = { type: 'job', code: req.code, tests: req.tests };
    const hooks = turnHooks(req.id, cancelled);
    const result = await pythonTurns.run(async (waited) => {
      if (waited) hooks.onStarted();
      const pooled = pythonPool.pooled(limits.memoryMb);
      const warm = await pythonPool.takeBooted(limits.memoryMb);
      try {
        return await pythonWork(runInWorker(warm, job, limits, { watchRss: false, cancelled, keep: pooled && config.pythonRunsPerWorker > 1 }), PYTHON_RUN_GROWTH_MB);
      } finally {
        if (pooled) pythonPool.giveBack(warm);
      }
    }, cancelled, hooks.onQueued);
    return result ?? cancelledResult();
  }
  if (req.language === 'javascript') {
    return runJs({ type: 'job', code: req.code, tests: req.tests }, limits, turnHooks(req.id, cancelled));
  }
  const started = performance.now();
  const ts = await Promise.race([typescript.compile(req.code, req.tests, limits.timeoutMs), cancelled.then(() => 'cancelled' as const)]);
  const failed = (status: RunResult['status'], type: string, message: string): RunResult =>
    ({ status, stdout: '', stderr: '', error: { type, message }, tests: [], durationMs: Math.round(performance.now() - started) });
  if (ts === 'cancelled') return failed('sandbox_error', 'Cancelled', 'the run was cancelled by the caller');
  if ('failed' in ts) return ts.failed === 'timeout' ? failed('timeout', 'Timeout', ts.message) : failed('sandbox_error', 'SandboxError', ts.message);
  if (ts.error) {
    return { status: 'syntax_error', stdout: '', stderr: '', error: ts.error, tests: [], durationMs: Math.round(performance.now() - started) };
  }
  const runnable: string[] = [];
  const index: number[] = [];
  ts.tests.forEach((t, i) => {
    if ('js' in t) {
      index.push(i);
      runnable.push(t.js);
    }
  });
  const job: WorkerJob = { type: 'job', code: ts.js, tests: runnable };
  const result = await runJs(job, limits, turnHooks(req.id, cancelled));
  const remap = (line: number | undefined) => {
    if (line === undefined) return undefined;
    for (let l = Math.min(line, ts.lineMap.length); l >= 1; l--) if (ts.lineMap[l - 1]) return ts.lineMap[l - 1];
    return line;
  };
  const fixError = <E extends { line?: number; traceback?: string; inMain?: boolean }>(e: E | undefined, inMain: boolean) => {
    if (!e) return;
    if (inMain || e.inMain) {
      e.line = remap(e.line);
      if (e.traceback) e.traceback = e.traceback.replace(/main\.js:(\d+)/g, (_m, n: string) => `main.ts:${remap(Number(n))}`);
    }
  };
  fixError(result.error, true);
  const tests: TestResult[] = ts.tests.map((t, i) => ('error' in t ? { test: req.tests[i], passed: false, error: t.error } : { test: req.tests[i], passed: false }));
  result.tests.forEach((t, j) => {
    fixError(t.error, false);
    tests[index[j]] = { ...t, test: req.tests[index[j]] };
  });
  result.tests = result.status === 'runtime_error' || result.status === 'syntax_error' ? result.tests : tests;
  if (result.status === 'ok' && tests.some((t) => !t.passed)) result.status = 'test_failure';
  result.durationMs = Math.round((performance.now() - started) * 10) / 10;
  return result;
}

/** A run's turn, told to the caller: its deadline waits while the run queues (see HostResponse 'queued'). */
function turnHooks(id: number, cancelled: Promise<void>): TurnHooks {
  return { cancelled, onQueued: () => send({ type: 'queued', id }), onStarted: () => send({ type: 'started', id }) };
}

async function runJs(job: WorkerJob, limits: SandboxLimits, hooks: TurnHooks): Promise<RunResult> {
  return (await jsWorkers.run(job, limits, hooks)) ?? cancelledResult();
}

function cancelledResult(): RunResult {
  return { status: 'sandbox_error', stdout: '', stderr: '', error: { type: 'Cancelled', message: 'the run was cancelled by the caller' }, tests: [], durationMs: 0 };
}

function stripInternal(result: RunResult): RunResult {
  const clean = (e: unknown) => { if (e && typeof e === 'object') delete (e as { inMain?: boolean }).inMain; };
  clean(result.error);
  for (const t of result.tests) clean(t.error);
  return result;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return Math.round((u.user + u.system) / 1000);
}

async function handle(req: HostRequest): Promise<void> {
  if (req.type === 'shutdown') process.exit(0);
  if (req.type === 'cancel') {
    cancels.get(req.id)?.();
    return;
  }
  if (req.type !== 'run') return;
  let result: RunResult;
  try {
    result = await run(req);
  } catch (e) {
    result = { status: 'sandbox_error', stdout: '', stderr: '', error: { type: 'SandboxError', message: (e as Error).message }, tests: [], durationMs: 0 };
  }
  send({ type: 'result', id: req.id, result: stripInternal(result), cpuMs: cpuMs() });
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let req: HostRequest;
  try {
    req = JSON.parse(line) as HostRequest;
  } catch (e) {
    log(`bad request: ${(e as Error).message}`);
    return;
  }
  void handle(req);
});
// The caller went away: nothing left to serve.
lines.on('close', () => process.exit(0));

jsWorkers.fill();
if (config.warm.includes('python')) {
  // The shared one first: every Python verdict starts with an analysis on it.
  pythonPool.after(sharedPython.warm()).fill();
}
if (config.warm.includes('typescript')) {
  typescript.warm();
}
send({ type: 'ready', pid: process.pid });
