import * as path from 'node:path';
import * as os from 'node:os';
import { SandboxDisposedError, SandboxJailUnavailableError, SandboxStartError } from './errors';
import { HostProcess, type HostExit } from './HostProcess';
import type { HostConfig } from './host';
import type { JailReport } from './JailReport';
import { planJail, type JailPlan } from './jail';
import { PYTHON_HARNESS } from './pythonHarness';
import { snapshotFile, writeSnapshot, type SnapshotFile } from './pythonSnapshotCache';
import { resolveLimits, type Language, type RunRequest, type RunResult, type SandboxLimits } from './types';
import { AbortError, InvalidArgumentError } from '../errors';
import { CACHE_DIR } from '../paths';

/** Warm JS workers kept ready in the host: one per core of a small machine. */
export const DEFAULT_JS_POOL_SIZE = 2;
/**
 * Jobs one JS worker runs (each in a fresh context: a realm of its own) before a new thread
 * replaces it. Starting a thread costs ~40 ms of CPU here, more than a run; a worker stopped
 * mid-run or broken is never reused. 1 gives every run a thread of its own.
 */
export const DEFAULT_JS_RUNS_PER_WORKER = 50;
/** Warm Python interpreters kept ready: each costs 0.3–1 s CPU and ~100 MB to boot from the snapshot. */
export const DEFAULT_PYTHON_POOL_SIZE = 2;
/**
 * Python jobs one worker thread runs before it is replaced, on its interpreter put back in
 * place between them (~10 ms, see pyReset.ts) or on a fresh one booted in that thread when
 * that cannot be done (~0.1 s of CPU). A new thread costs ~0.3–1 s of CPU, several dozen resets.
 */
export const DEFAULT_PYTHON_RUNS_PER_WORKER = 100;
/**
 * Address-space cap of the whole host (RLIMIT_AS): 8 GiB. Node reserves far more address
 * space than it touches (each isolate, each wasm memory), so this is a ceiling for
 * ArrayBuffers and WebAssembly together, not a per-run budget; memoryMb is that.
 */
export const DEFAULT_ADDRESS_SPACE_MB = 8192;
/** Largest WebAssembly memory (so a Python interpreter's whole heap): 512 MiB. */
export const DEFAULT_WASM_MEMORY_MB = 512;
/** CPU seconds the host may use in its life (RLIMIT_CPU); the Sandbox recycles it at half. */
export const DEFAULT_HOST_CPU_SECONDS = 900;
/** JS heap reserved per Python interpreter beyond its wasm memory: old space (see host.ts spawn) plus young space and code. */
const PYTHON_HEAP_RESERVE_MB = 64;
/** Address space the host needs before any interpreter: its own isolate, the JS pool, the TypeScript worker. */
const HOST_BASE_RESERVE_MB = 2048;

/**
 * How many Python runs may hold an interpreter at once: what the host's address space fits
 * beside the warm pool and the shared interpreter (each reserves its wasm memory's maximum
 * plus its JS heap), and no more than the cores can boot usefully at once (a few over, so
 * one boots while others run). With the defaults on 2 cores: 4.
 */
export function pythonRunsAtOnce(o: { addressSpaceMb: number; wasmMemoryMb: number; memoryMb: number; pythonPool: number; cores: number }): number {
  const perInterpreter = o.wasmMemoryMb + Math.max(128, o.memoryMb) + PYTHON_HEAP_RESERVE_MB;
  const fits = Math.floor((o.addressSpaceMb - HOST_BASE_RESERVE_MB) / perInterpreter) - o.pythonPool - 1;
  return Math.max(1, Math.min(fits, o.cores + 2));
}

/** Time the caller grants the host beyond a run's own timeout (cold Python boot, TS check). */
export const DEFAULT_HOST_GRACE_MS = 15000;

/** Options of {@link Sandbox.create}. */
export interface SandboxOptions {
  /** Default limits of every run; a request's own limits win. Defaults to {@link DEFAULT_LIMITS}. */
  limits?: Partial<SandboxLimits>;
  /** Throw {@link SandboxJailUnavailableError} unless the OS jail is complete. Defaults to false. */
  requireJail?: boolean;
  /** 'none' runs the host without an OS jail (the in-process layers stay). Defaults to 'auto'. */
  jail?: 'auto' | 'none';
  /** Languages warmed up when the host starts. Defaults to all three. */
  warm?: Language[];
  /** Defaults to {@link DEFAULT_JS_POOL_SIZE}. */
  jsPoolSize?: number;
  /** Defaults to {@link DEFAULT_JS_RUNS_PER_WORKER}. */
  jsRunsPerWorker?: number;
  /**
   * JavaScript and TypeScript runs holding a worker at once; more wait in the host for a
   * turn (their deadline starts when they run). Defaults to the cores + 2.
   */
  jsRunsAtOnce?: number;
  /** Defaults to {@link DEFAULT_PYTHON_POOL_SIZE}. */
  pythonPoolSize?: number;
  /** Defaults to {@link DEFAULT_PYTHON_RUNS_PER_WORKER}; 1 gives every Python run a thread of its own. */
  pythonRunsPerWorker?: number;
  /**
   * Whether a Python thread puts its used interpreter back in place (memory and hiwire tables
   * restored, everything else checked; see lib/sandbox/README) for its next run, instead of
   * booting a fresh one from the snapshot. A run that changed what a reset cannot undo (wrote
   * a file, grew the memory, …) gets a fresh interpreter either way. Defaults to true.
   */
  pythonReset?: boolean;
  /**
   * Python runs that hold an interpreter at once; more wait in the host for a turn (their
   * timeout and deadline start when they run). Defaults to {@link pythonRunsAtOnce} of the
   * other options and the cores.
   */
  pythonRunsAtOnce?: number;
  /** Defaults to {@link DEFAULT_ADDRESS_SPACE_MB}. */
  addressSpaceMb?: number;
  /** Defaults to {@link DEFAULT_WASM_MEMORY_MB}. */
  wasmMemoryMb?: number;
  /** Defaults to {@link DEFAULT_HOST_CPU_SECONDS}. */
  hostCpuSeconds?: number;
  /** Defaults to {@link DEFAULT_HOST_GRACE_MS}. */
  hostGraceMs?: number;
  /** Diagnostics of the host (snapshot timing, restarts). Defaults to dropping them. */
  onLog?: (message: string) => void;
  /**
   * Folder for the Python boot snapshot, so a fresh process restores Python in ~0.3 s
   * instead of booting it in ~4 s; `false` keeps it in memory only. Defaults to
   * {@link CACHE_DIR} (COMPILER_EXPERT_CACHE, else `cache` in the models folder).
   */
  cacheDir?: string | false;
}

/** An option that must be a boolean when given. */
function booleanOption(options: SandboxOptions, name: 'pythonReset'): boolean | undefined {
  const v = options[name];
  if (v !== undefined && typeof v !== 'boolean') throw new InvalidArgumentError(`${name} must be true or false, got ${String(v)}`);
  return v;
}

/** An option that must be a whole number of at least 1 when given. */
function wholeOption(options: SandboxOptions, name: 'pythonRunsAtOnce' | 'pythonRunsPerWorker' | 'jsRunsAtOnce' | 'jsRunsPerWorker'): number | undefined {
  const v = options[name];
  if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
    throw new InvalidArgumentError(`${name} must be a whole number of at least 1, got ${String(v)}`);
  }
  return v;
}

const LANGUAGES: ReadonlySet<string> = new Set<Language>(['javascript', 'typescript', 'python']);

/**
 * Runs untrusted JavaScript, TypeScript and Python in a jailed host process with a warm pool
 * of workers. `run` resolves for anything the code does (crashes included: the host is
 * restarted and the run reports sandbox_error or memory_limit).
 *
 * @example
 * await using sandbox = await Sandbox.create();
 * const r = await sandbox.run({ language: 'python', code: 'print(1)' });
 */
export class Sandbox {
  private host: HostProcess | undefined;
  private starting: Promise<HostProcess> | undefined;
  private disposed = false;
  private readonly limits: SandboxLimits;
  private readonly plan: JailPlan;
  private readonly snapshot: SnapshotFile | undefined;

  private constructor(private readonly options: SandboxOptions) {
    this.limits = resolveLimits(options.limits);
    const wasmPages = Math.floor(((options.wasmMemoryMb ?? DEFAULT_WASM_MEMORY_MB) * 1024 * 1024) / 65536);
    const hostDir = path.resolve(__dirname, '../../dist/sandbox');
    // require.resolve answers real paths, so a symlinked node_modules stays outside the view.
    const packages = {
      pyodide: path.dirname(require.resolve('pyodide/package.json')),
      typescript: path.dirname(require.resolve('typescript/package.json')),
    };
    const readPaths = [path.resolve(hostDir, '..'), packages.pyodide, packages.typescript];
    this.snapshot = options.cacheDir === false ? undefined : snapshotFile(options.cacheDir ?? CACHE_DIR, packages.pyodide, PYTHON_HARNESS);
    if (this.snapshot) readPaths.push(this.snapshot.dir);
    const runsAtOnce = wholeOption(options, 'pythonRunsAtOnce');
    const cores = os.availableParallelism();
    const pythonPool = options.pythonPoolSize ?? DEFAULT_PYTHON_POOL_SIZE;
    const config: HostConfig = {
      jsPool: options.jsPoolSize ?? DEFAULT_JS_POOL_SIZE,
      jsRunsAtOnce: wholeOption(options, 'jsRunsAtOnce') ?? cores + 2,
      jsRunsPerWorker: wholeOption(options, 'jsRunsPerWorker') ?? DEFAULT_JS_RUNS_PER_WORKER,
      pythonPool,
      pythonRunsPerWorker: wholeOption(options, 'pythonRunsPerWorker') ?? DEFAULT_PYTHON_RUNS_PER_WORKER,
      pythonReset: booleanOption(options, 'pythonReset') ?? true,
      pythonRunsAtOnce: runsAtOnce ?? pythonRunsAtOnce({
        addressSpaceMb: options.addressSpaceMb ?? DEFAULT_ADDRESS_SPACE_MB,
        wasmMemoryMb: options.wasmMemoryMb ?? DEFAULT_WASM_MEMORY_MB,
        memoryMb: this.limits.memoryMb,
        pythonPool,
        cores,
      }),
      warm: options.warm ?? ['javascript', 'typescript', 'python'],
      memoryMb: this.limits.memoryMb,
      outputBytes: this.limits.outputBytes,
      wasmMemoryMb: options.wasmMemoryMb ?? DEFAULT_WASM_MEMORY_MB,
      packages,
      ...(this.snapshot && { pythonSnapshotFile: this.snapshot.file }),
    };
    const nodeArgs = [
      '--no-warnings',
      // No realm in the host may compile strings: a leaked host Function is then inert.
      '--disallow-code-generation-from-strings',
      // Without the trap handler V8 reserves only a wasm memory's maximum, not 8+ GiB of guard
      // pages per memory, so an address-space rlimit can coexist with WebAssembly.
      '--disable-wasm-trap-handler',
      `--wasm-max-mem-pages=${wasmPages}`,
      // Lets vm scripts answer import() with our own in-context error instead of Node's host
      // TypeError; no module is ever loaded for them.
      '--experimental-vm-modules',
      '--experimental-permission',
      ...readPaths.map((p) => `--allow-fs-read=${p}/*`),
      '--allow-worker',
      path.join(hostDir, 'host.js'),
      JSON.stringify(config),
    ];
    this.plan = planJail({
      mode: options.jail ?? 'auto',
      nodeArgs,
      readPaths,
      addressSpaceMb: options.addressSpaceMb ?? DEFAULT_ADDRESS_SPACE_MB,
      cpuSeconds: options.hostCpuSeconds ?? DEFAULT_HOST_CPU_SECONDS,
      fileSizeMb: 1,
    });
  }

  /** Starts a Sandbox and its host; resolves when the host is ready. */
  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const sandbox = new Sandbox(options);
    const report = sandbox.plan.report;
    if (!report.complete) {
      if (options.requireJail) {
        throw new SandboxJailUnavailableError(report.missing, `sandbox jail incomplete, missing: ${report.missing.join(', ')} (${report.notes.join('; ')})`);
      }
      process.emitWarning(`compiler-expert sandbox runs WITHOUT a complete OS jail (missing: ${report.missing.join(', ')}). ${report.notes.join('; ')}`, { code: 'COMPILER_EXPERT_SANDBOX_UNJAILED' });
    }
    await sandbox.ensureHost();
    return sandbox;
  }

  /** Which jail layers protect the host on this machine. */
  get jail(): JailReport {
    return this.plan.report;
  }

  /**
   * Runs one program. Never throws for anything the program does. An aborted `signal` stops
   * the run at once (its worker is terminated; other runs go on) and rejects with AbortError.
   */
  async run(req: RunRequest, options: { signal?: AbortSignal } = {}): Promise<RunResult> {
    const { signal } = options;
    if (this.disposed) throw new SandboxDisposedError();
    if (signal?.aborted) throw new AbortError();
    if (!req || !LANGUAGES.has(req.language)) throw new InvalidArgumentError(`unknown language: ${String(req?.language)}`);
    if (typeof req.code !== 'string') throw new InvalidArgumentError('code must be a string');
    if (req.isolation !== undefined && req.isolation !== 'run' && req.isolation !== 'shared') throw new InvalidArgumentError(`unknown isolation: ${String(req.isolation)}`);
    const limits = resolveLimits(req.limits, this.limits);
    const tests = Array.isArray(req.tests) ? req.tests.map(String) : [];
    const started = performance.now();
    let host: HostProcess;
    try {
      host = await this.ensureHost();
    } catch (e) {
      return this.failed('sandbox_error', 'SandboxError', (e as Error).message, started);
    }
    const deadlineMs = limits.timeoutMs + (this.options.hostGraceMs ?? DEFAULT_HOST_GRACE_MS);
    let timer: NodeJS.Timeout | undefined;
    let restartDeadline!: () => void;
    const deadline = new Promise<'deadline'>((resolve) => {
      restartDeadline = () => {
        clearTimeout(timer);
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      };
      restartDeadline();
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const shared = req.isolation === 'shared' ? { isolation: 'shared' as const } : {};
    // A run the host queues (see pythonRunsAtOnce) has no deadline while it waits (the runs
    // ahead of it have theirs), and its whole deadline from when it starts.
    const sent = host.send({ type: 'run', language: req.language, code: req.code, tests, limits, ...shared }, signal, {
      onQueued: () => clearTimeout(timer),
      onStarted: restartDeadline,
    });
    const answer = await Promise.race([sent, deadline, aborted]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (answer === 'aborted') throw new AbortError('the sandbox run was aborted');
    if (answer === 'deadline') {
      // The host itself hung (the worker timeout lives in the host): kill it, the jail with it.
      this.log(`host ${host.pid} missed a deadline of ${deadlineMs} ms; killing it`);
      this.replace(host);
      return this.failed('timeout', 'Timeout', `execution exceeded ${limits.timeoutMs} ms`, started);
    }
    if ('result' in answer) {
      if (answer.cpuMs > ((this.options.hostCpuSeconds ?? DEFAULT_HOST_CPU_SECONDS) * 1000) / 2) {
        this.log(`host ${host.pid} used ${answer.cpuMs} ms CPU; recycling it before its rlimit`);
        this.replace(host, true);
      }
      return answer.result;
    }
    this.replace(host);
    return this.crashResult(answer, started);
  }

  /** Stops the host. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const host = this.host ?? (await this.starting?.catch(() => undefined));
    this.host = undefined;
    await host?.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  private crashResult(exit: HostExit, started: number): RunResult {
    const oom = /out of memory|heap limit|allocation failed|OOM/i.test(exit.stderrTail);
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    return oom
      ? this.failed('memory_limit', 'MemoryLimit', `the sandbox host ran out of memory (${how})`, started)
      : this.failed('sandbox_error', 'SandboxError', `the sandbox host died (${how}): ${exit.stderrTail.trim().split('\n').slice(-3).join(' | ')}`, started);
  }

  private failed(status: RunResult['status'], type: string, message: string, started: number): RunResult {
    return { status, stdout: '', stderr: '', error: { type, message }, tests: [], durationMs: Math.round(performance.now() - started) };
  }

  private log(message: string): void {
    this.options.onLog?.(message);
  }

  /** Keeps a snapshot the host had to make on disk for the next process; a failed write only costs that. */
  private saveSnapshot(snapshot: Uint8Array): void {
    if (!this.snapshot) return;
    const file = this.snapshot.file;
    writeSnapshot(file, snapshot).then(
      () => this.log(`python snapshot saved to ${file}`),
      (e: Error) => this.log(`python snapshot not saved to ${file}: ${e.message}`),
    );
  }

  /** Drops a host (killing it, or letting its in-flight runs finish) and starts the next. */
  private replace(host: HostProcess, graceful = false): void {
    if (this.host === host) this.host = undefined;
    if (graceful) void host.close(10000);
    else host.kill();
    if (!this.disposed) this.ensureHost().catch((e: Error) => this.log(`host restart failed: ${e.message}`));
  }

  private ensureHost(): Promise<HostProcess> {
    if (this.host?.alive) return Promise.resolve(this.host);
    this.starting ??= (async () => {
      const host = new HostProcess(this.plan, (m) => this.log(m), (snapshot) => this.saveSnapshot(snapshot));
      try {
        await host.ready;
      } catch (e) {
        throw new SandboxStartError((e as Error).message, { cause: e });
      } finally {
        this.starting = undefined;
      }
      if (this.disposed) {
        await host.close();
        throw new SandboxDisposedError();
      }
      this.host = host;
      void host.exited.then((exit) => {
        if (this.host === host) {
          this.log(`sandbox host ${host.pid} exited (${exit.signal ?? exit.code})`);
          this.host = undefined;
        }
      });
      return host;
    })();
    return this.starting;
  }
}
