/**
 * Public types of the sandbox: what a caller sends ({@link RunRequest}) and what it gets
 * back ({@link RunResult}). The compiler expert builds its verdicts from these, so the
 * names are a contract; add fields, never rename them.
 */

/** Languages the sandbox can run. TypeScript is type-checked, then run as JavaScript. */
export type Language = 'javascript' | 'typescript' | 'python';

/**
 * Outcome of one run. `test_failure` means the code itself ran but at least one test failed;
 * `sandbox_error` means the sandbox (not the code) failed, e.g. the jailed host crashed.
 */
export type RunStatus =
  | 'ok'
  | 'syntax_error'
  | 'runtime_error'
  | 'test_failure'
  | 'timeout'
  | 'memory_limit'
  | 'output_limit'
  | 'sandbox_error';

/** Resource limits of one run. */
export interface SandboxLimits {
  /** Wall clock for the whole run: compile, code, async work, timers, tests and the result. */
  timeoutMs: number;
  /** Memory of one run: the JS heap of its worker, and the growth of the host's resident memory. */
  memoryMb: number;
  /** Cap on stdout + stderr together, counted in UTF-16 code units (bytes for ASCII text). */
  outputBytes: number;
}

/** Default wall clock of a run: 5 s, enough for model-written snippets and their tests. */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Default memory of a run: 256 MiB, far above what a snippet needs, far below the machine. */
export const DEFAULT_MEMORY_MB = 256;
/** Default output cap: 64 KiB; more would never fit into a model's context anyway. */
export const DEFAULT_OUTPUT_BYTES = 64 * 1024;

/** The limits used when a request names none. */
export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  timeoutMs: DEFAULT_TIMEOUT_MS,
  memoryMb: DEFAULT_MEMORY_MB,
  outputBytes: DEFAULT_OUTPUT_BYTES,
});

/** One program to run. */
export interface RunRequest {
  language: Language;
  /** The program. Line 1 of `code` is line 1 in every reported error. */
  code: string;
  /**
   * Test statements in the code's language, run one by one after the code, in its namespace,
   * each in its own try. Python: `assert f(1) == 2`. JS/TS: `assert.equal(f(1), 2)`.
   */
  tests?: string[];
  /** Name of the function under test; informational, echoed into test previews. */
  entry?: string;
  /** Overrides of {@link DEFAULT_LIMITS}. */
  limits?: Partial<SandboxLimits>;
  /**
   * `run` (the default): a fresh context, or an interpreter in a fresh one's state, for this run alone. `shared` (Python):
   * one long-lived interpreter of the host runs such requests one after another, so it costs
   * no interpreter boot (~40 ms less CPU than a restore, and none of the 0.3–1 s), but what one
   * run leaves behind (modules it patched, globals of imported modules) the next one sees.
   * Only for programs that read their input as data, never run it: the test generator's
   * analyser parses model code this way. Still jailed and limited like any run.
   */
  isolation?: 'run' | 'shared';
}

/** An error raised by the code (or by the compiler for syntax/type errors). */
export interface RunError {
  /** Error class, e.g. `TypeError`, `ZeroDivisionError`, `SyntaxError`. */
  type: string;
  message: string;
  /** 1-based line in the user's code (or in the test source for a failing test). */
  line?: number;
  column?: number;
  traceback?: string;
}

/** Result of one test statement. */
export interface TestResult {
  test: string;
  passed: boolean;
  /** Preview of the actual value (left side of a comparison, first argument of assert.equal). */
  got?: string;
  /** Preview of the expected value. */
  expected?: string;
  error?: RunError;
}

/** What a run produced. */
export interface RunResult {
  status: RunStatus;
  stdout: string;
  stderr: string;
  error?: RunError;
  tests: TestResult[];
  /** Preview of the script's last expression value, when there was one and it was not undefined/None. */
  returnPreview?: string;
  durationMs: number;
}

/** Fills in missing limits with the defaults and clamps nonsense values. */
export function resolveLimits(limits: Partial<SandboxLimits> | undefined, defaults: SandboxLimits = DEFAULT_LIMITS): SandboxLimits {
  const pick = (v: number | undefined, d: number, min: number) =>
    typeof v === 'number' && Number.isFinite(v) ? Math.max(min, Math.floor(v)) : d;
  return {
    timeoutMs: pick(limits?.timeoutMs, defaults.timeoutMs, 10),
    memoryMb: pick(limits?.memoryMb, defaults.memoryMb, 16),
    outputBytes: pick(limits?.outputBytes, defaults.outputBytes, 64),
  };
}
