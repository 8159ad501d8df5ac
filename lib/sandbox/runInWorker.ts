import type { WarmWorker } from './WarmWorker';
import type { WorkerJob } from './protocol';
import type { RunError, RunResult, RunStatus, SandboxLimits, TestResult } from './types';

/** Options of {@link runInWorker}. */
export interface RunInWorkerOptions {
  /** Watch the host's resident memory for this run (JS: ArrayBuffers live outside the heap). */
  watchRss: boolean;
  /** Resident memory the host may grow by beyond memoryMb before a run is stopped. Defaults to 128 MiB. */
  rssSlackMb?: number;
  /**
   * Other work of the host that allocates (Python interpreters booting or running: a few
   * hundred MB each). The RSS watch is the host's, shared by every run: growth while such work
   * is in flight is not counted against this run, up to what the work in flight when the run
   * started and the work started since may grow it by; beyond that it is.
   */
  others?: OtherWork;
  /** Resolves when the caller gave the run up: the worker is terminated at once. */
  cancelled?: Promise<void>;
  /**
   * Keep the worker for more jobs when this one finished cleanly (a shared interpreter);
   * a worker stopped mid-run or broken by its job is disposed as always.
   */
  keep?: boolean;
}

/** Work beside a run whose memory the host's RSS also holds (see {@link RunInWorkerOptions.others}). */
export interface OtherWork {
  /** The most the work in flight now may grow the host's RSS by, in MB (0: none in flight). */
  inFlightMb(): number;
  /** The running sum of that over all work started so far. */
  startedMb(): number;
}

const RSS_POLL_MS = 20;
const STATUSES: ReadonlySet<string> = new Set<RunStatus>(['ok', 'syntax_error', 'runtime_error', 'test_failure', 'timeout', 'memory_limit', 'output_limit', 'sandbox_error']);

/**
 * Runs one job on a warm worker and terminates the worker afterwards (unless
 * {@link RunInWorkerOptions.keep}). The clock starts
 * when the job is posted; the run ends at the first of: the worker's result, the timeout, the
 * output cap, the memory cap, or the worker's death. Never rejects.
 */
export async function runInWorker(warm: WarmWorker, job: WorkerJob, limits: SandboxLimits, options: RunInWorkerOptions): Promise<RunResult> {
  const started = performance.now();
  let booted;
  try {
    booted = await warm.ready;
  } catch (e) {
    warm.dispose();
    return failure('sandbox_error', 'SandboxError', `worker failed to start: ${(e as Error).message}`, started);
  }
  const { worker, channel } = booted;
  channel.arm(limits.outputBytes);
  const t0 = performance.now();
  const timers: NodeJS.Timeout[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Listener = (...a: any[]) => void;
  const listeners: Array<[string, Listener]> = [];
  const on = (event: 'message' | 'error' | 'exit', f: Listener) => {
    listeners.push([event, f]);
    worker.on(event, f);
  };
  const outcome = await new Promise<{ status?: RunStatus; json?: string; fatal?: boolean; error?: RunError }>((resolve) => {
    on('message', (m: { type: string; result?: unknown; fatal?: unknown }) => {
      if (m && m.type === 'done' && typeof m.result === 'string') resolve({ json: m.result, fatal: m.fatal === true });
    });
    on('error', (e: Error & { code?: string }) => {
      const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory|heap limit|allocation failed/i.test(e.message);
      resolve(oom
        ? { status: 'memory_limit', error: { type: 'MemoryLimit', message: `memory limit of ${limits.memoryMb} MB exceeded` } }
        : { status: 'sandbox_error', error: { type: 'SandboxError', message: `worker failed: ${e.message}` } });
    });
    on('exit', (code: number) => resolve({ status: 'sandbox_error', error: { type: 'SandboxError', message: `worker exited with code ${code}` } }));
    timers.push(setTimeout(() => resolve({ status: 'timeout', error: { type: 'Timeout', message: `execution exceeded ${limits.timeoutMs} ms` } }), limits.timeoutMs));
    void options.cancelled?.then(() => resolve({ status: 'sandbox_error', error: { type: 'Cancelled', message: 'the run was cancelled by the caller' } }));
    void channel.onOverflow().then(() => resolve({ status: 'output_limit', error: { type: 'OutputLimit', message: `output exceeded ${limits.outputBytes} bytes` } }));
    if (options.watchRss) {
      let last = process.memoryUsage.rss();
      let cap = last + (limits.memoryMb + (options.rssSlackMb ?? 128)) * 1024 * 1024;
      const others = options.others;
      // Growth the host's other work may account for during this run (see `others`).
      const before = others ? others.inFlightMb() - others.startedMb() : 0;
      let excused = 0;
      timers.push(setInterval(() => {
        const rss = process.memoryUsage.rss();
        if (others && others.inFlightMb() > 0) {
          const allowance = (before + others.startedMb()) * 1024 * 1024;
          const growth = Math.min(Math.max(0, rss - last), Math.max(0, allowance - excused));
          cap += growth;
          excused += growth;
        }
        if (rss > cap) resolve({ status: 'memory_limit', error: { type: 'MemoryLimit', message: `memory limit of ${limits.memoryMb} MB exceeded` } });
        last = rss;
      }, RSS_POLL_MS));
    }
    worker.postMessage(job);
  });
  for (const t of timers) clearTimeout(t);
  const durationMs = Math.round((performance.now() - t0) * 10) / 10;
  if (options.keep && outcome.json !== undefined && !outcome.fatal) {
    // Kept for the next job (which re-arms the channel): this job's listeners go. A worker
    // being torn down keeps them, so a late 'error' never finds the worker without one.
    for (const [event, f] of listeners) worker.off(event, f);
  } else {
    if (outcome.json === undefined) {
      // Stopped mid-run: terminate first, read the output after, so nothing is still writing.
      await worker.terminate().catch((e: Error) => e);
    } else {
      // The worker finished its job and only idles: tearing it down need not delay the result.
      void worker.terminate().catch((e: Error) => e);
    }
    warm.dispose();
  }
  const stdout = channel.stdout(), stderr = channel.stderr();
  if (outcome.json === undefined) {
    return { status: outcome.status ?? 'sandbox_error', stdout, stderr, error: outcome.error, tests: [], durationMs };
  }
  const parsed = parseWorkerResult(outcome.json);
  if (channel.overflowed) {
    parsed.status = 'output_limit';
    parsed.error = { type: 'OutputLimit', message: `output exceeded ${limits.outputBytes} bytes` };
  }
  return { ...parsed, stdout, stderr, durationMs };
}

function failure(status: RunStatus, type: string, message: string, started: number): RunResult {
  return { status, stdout: '', stderr: '', error: { type, message }, tests: [], durationMs: Math.round(performance.now() - started) };
}

const ALLOCATION_FAILURE = /allocation failed|could not allocate|out of memory|invalid array length|Invalid typed array length|Array buffer allocation/i;

/** Validates the JSON a worker produced (its content came from inside the sandbox). */
export function parseWorkerResult(json: string): { status: RunStatus; error?: RunError; tests: TestResult[]; returnPreview?: string; inMain?: boolean } {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch (e) {
    return { status: 'sandbox_error', error: { type: 'SandboxError', message: `unreadable result: ${(e as Error).message}` }, tests: [] };
  }
  if (!raw || typeof raw !== 'object') return { status: 'sandbox_error', error: { type: 'SandboxError', message: 'unreadable result' }, tests: [] };
  let status = (typeof raw.status === 'string' && STATUSES.has(raw.status) ? raw.status : 'sandbox_error') as RunStatus;
  const error = toError(raw.error);
  if (status === 'runtime_error' && error && (error.type === 'MemoryError' || (error.type === 'RangeError' && ALLOCATION_FAILURE.test(error.message)))) {
    status = 'memory_limit';
  }
  const tests = Array.isArray(raw.tests) ? raw.tests.slice(0, 1000).map(toTest) : [];
  const out: { status: RunStatus; error?: RunError; tests: TestResult[]; returnPreview?: string } = { status, tests };
  if (error) out.error = error;
  if (typeof raw.returnPreview === 'string') out.returnPreview = raw.returnPreview.slice(0, 1000);
  return out;
}

function str(v: unknown, max: number): string | undefined {
  return typeof v === 'string' ? v.slice(0, max) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function toError(v: unknown): RunError | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Record<string, unknown>;
  const e: RunError & { inMain?: boolean } = { type: str(r.type, 200) ?? 'Error', message: str(r.message, 4000) ?? '' };
  const line = num(r.line), column = num(r.column), traceback = str(r.traceback, 8000);
  if (line !== undefined) e.line = line;
  if (column !== undefined) e.column = column;
  if (traceback !== undefined) e.traceback = traceback;
  if (r.inMain === true) e.inMain = true;
  return e;
}

function toTest(v: unknown): TestResult {
  const r = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const t: TestResult = { test: str(r.test, 4000) ?? '', passed: r.passed === true };
  const got = str(r.got, 1000), expected = str(r.expected, 1000), error = toError(r.error);
  if (got !== undefined) t.got = got;
  if (expected !== undefined) t.expected = expected;
  if (error) t.error = error;
  return t;
}
