/**
 * The compiler expert's injected message. Its format is public API (documented in
 * lib/experts/README.md): models are prompted with it and benchmarks parse it, so change
 * it only with a deprecation note. Every line costs context, so it is kept short.
 */
import type { CodeLanguage } from '../detect/inferLanguage';
import { SandboxRunError } from '../sandbox/errors';
import type { RunError, RunResult } from '../sandbox/types';
import type { GeneratedTest } from '../testgen/types';
import type { VerdictStatus, VerdictTest } from './types';

/** Longest injected message. Defaults for {@link FormatOptions.maxChars}. */
export const DEFAULT_MAX_VERDICT_CHARS = 600;
/** Lines of program output quoted after `Output:`. */
export const MAX_OUTPUT_LINES = 3;
const MAX_OUTPUT_CHARS = 200;
const MAX_LINE_CHARS = 160;
const MAX_GOT_CHARS = 80;
const MAX_MESSAGE_CHARS = 160;
/** Failing tests quoted one by one; more are counted. */
export const MAX_FAILURES_SHOWN = 3;
/** Passing tests of the caller, prompt or documentation quoted one by one; more are counted. */
export const MAX_PASSES_SHOWN = 3;

/** What {@link formatVerdict} needs besides the run. */
export interface FormatOptions {
  language: CodeLanguage;
  /** The tests sent with the run, in the same order as `run.tests`. */
  tests: readonly GeneratedTest[];
  /** The run's time limit, quoted by the timeout line. */
  timeoutMs: number;
  /** Cap on the whole message. Defaults to {@link DEFAULT_MAX_VERDICT_CHARS}. */
  maxChars?: number;
}

/** The verdict in typed form and as text. */
export interface FormattedVerdict {
  status: VerdictStatus;
  text: string;
  message: string;
  tests: VerdictTest[];
  warnings: string[];
}

function clip(text: string, max: number): string {
  const one = text.replace(/\s*\n\s*/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function at(error: RunError): string {
  return error.line !== undefined ? ` (line ${error.line})` : '';
}

/** `SyntaxError: <message> (line N)`. */
export function formatSyntaxError(error: RunError): string {
  return `SyntaxError: ${clip(error.message, MAX_MESSAGE_CHARS)}${at(error)}`;
}

/** `✗ Error: <Type>: <message> (line N)`. */
export function formatRuntimeError(error: RunError): string {
  return `✗ Error: ${error.type}: ${clip(error.message, MAX_MESSAGE_CHARS)}${at(error)}`;
}

function outputLines(stdout: string): string | undefined {
  const lines = stdout.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim().length > 0);
  if (lines.length === 0) return undefined;
  const shown = lines.slice(0, MAX_OUTPUT_LINES).map((l) => clip(l, MAX_LINE_CHARS));
  let text = shown.join('\n');
  if (text.length > MAX_OUTPUT_CHARS) text = `${text.slice(0, MAX_OUTPUT_CHARS - 1)}…`;
  else if (lines.length > MAX_OUTPUT_LINES) text += `\n… (${lines.length - MAX_OUTPUT_LINES} more lines)`;
  return `Output: ${text}`;
}

// A boolean "got" says nothing the ✗ does not: `assert(x)` failed because x was false.
const UNINFORMATIVE_GOT = new Set(['false', 'False', 'true', 'True']);

function testLine(test: VerdictTest): string {
  const label = clip(test.test, MAX_LINE_CHARS);
  if (test.passed) return `✓ ${label}`;
  if (test.error) return `✗ ${label} ERROR: ${clip(test.error, MAX_GOT_CHARS)}`;
  if (test.got !== undefined && !UNINFORMATIVE_GOT.has(test.got)) return `✗ ${label} FAILED (got ${clip(test.got, MAX_GOT_CHARS)})`;
  return `✗ ${label} FAILED`;
}

const NOTHING: Readonly<Record<CodeLanguage, string>> = { python: 'None', javascript: 'undefined', typescript: 'undefined' };

// `f(…) == y`, `assert.equal(f(…), y)`, `f(…) is not None`: the function a test is about.
function calledFunction(test: GeneratedTest): string | undefined {
  if (test.function) return test.function;
  const match = /^(?:assert\s+|assert(?:\.\w+)?\()\s*([A-Za-z_$][\w$]*)\s*\(/.exec(test.code);
  return match?.[1];
}

/**
 * Turns a sandbox run into the verdict: a first line for the run, `Output:` with the first
 * useful lines of stdout, one line per test (generated checks that pass are counted, not
 * listed), and `⚠ name() returned None` where a value was expected.
 */
export function formatVerdict(run: RunResult, options: FormatOptions): FormattedVerdict {
  const maxChars = options.maxChars ?? DEFAULT_MAX_VERDICT_CHARS;
  const lines: string[] = [];
  const tests: VerdictTest[] = run.tests.map((result, i) => {
    const source = options.tests[i];
    const failedAssertion = !result.passed && (!result.error || result.error.type === 'AssertionError');
    return {
      test: source?.label ?? result.test,
      passed: result.passed,
      origin: source?.origin ?? 'caller',
      ...(result.got !== undefined && { got: result.got }),
      ...(!result.passed && !failedAssertion && result.error && { error: `${result.error.type}: ${result.error.message}` }),
    };
  });

  const warnings: string[] = [];
  const nothing = NOTHING[options.language];
  run.tests.forEach((result, i) => {
    const source = options.tests[i];
    if (result.passed || !source) return;
    const name = calledFunction(source);
    if (!name) return;
    // The dedicated check failed, or an expected-value assert got None back.
    const gotNothing = result.got === nothing && (source.kind === 'returns_value' || /==|equal/i.test(source.code));
    const warning = `${name}() returned ${nothing}`;
    if (gotNothing && !warnings.includes(warning)) warnings.push(warning);
  });

  let status: VerdictStatus;
  switch (run.status) {
    case 'syntax_error': {
      const error = run.error ?? { type: 'SyntaxError', message: 'invalid syntax' };
      // TypeScript's type errors arrive here too, typed TypeError by the sandbox.
      lines.push(error.type === 'SyntaxError' ? formatSyntaxError(error) : formatRuntimeError(error));
      status = 'syntax_error';
      break;
    }
    case 'runtime_error':
      lines.push(formatRuntimeError(run.error ?? { type: 'Error', message: 'unknown error' }));
      status = 'runtime_error';
      break;
    case 'timeout':
      lines.push(`✗ Timeout: no result within ${options.timeoutMs} ms (infinite loop?)`);
      status = 'timeout';
      break;
    case 'memory_limit':
      lines.push(`✗ Memory limit: ${clip(run.error?.message ?? 'the code used too much memory', MAX_MESSAGE_CHARS)}`);
      status = 'memory_limit';
      break;
    case 'output_limit':
      lines.push(`✗ Output limit: ${clip(run.error?.message ?? 'the code printed too much', MAX_MESSAGE_CHARS)}`);
      status = 'output_limit';
      break;
    case 'sandbox_error':
      // Not a judgement of the code: the expert registry turns this into an expert_error verdict.
      throw new SandboxRunError(`sandbox failed: ${run.error?.message ?? 'unknown'}`);
    default: {
      lines.push('✓ Executed successfully');
      const failed = tests.some((t) => !t.passed);
      status = failed ? 'test_failure' : warnings.length > 0 ? 'warning' : 'ok';
    }
  }
  const output = outputLines(run.stdout);
  if (output) lines.push(output);

  const failures = tests.filter((t) => !t.passed);
  const givenPasses = tests.filter((t) => t.passed && t.origin !== 'generated');
  const generatedPasses = tests.filter((t) => t.passed && t.origin === 'generated');
  // Natural order, with failures and the user's own tests first in line for the budget.
  let shownFailures = 0;
  let shownPasses = 0;
  for (const t of tests) {
    if (!t.passed && shownFailures < MAX_FAILURES_SHOWN) {
      lines.push(testLine(t));
      shownFailures++;
    } else if (t.passed && t.origin !== 'generated' && shownPasses < MAX_PASSES_SHOWN) {
      lines.push(testLine(t));
      shownPasses++;
    }
  }
  if (failures.length > shownFailures) lines.push(`✗ ${failures.length - shownFailures} more tests failed`);
  if (givenPasses.length > shownPasses) lines.push(`✓ ${givenPasses.length - shownPasses} more tests passed`);
  if (generatedPasses.length > 0) {
    lines.push(`✓ ${generatedPasses.length} generated check${generatedPasses.length === 1 ? '' : 's'} passed`);
  }
  for (const w of warnings) lines.push(`⚠ ${w}`);

  const passed = tests.filter((t) => t.passed).length;
  const message =
    tests.length > 0 && (status === 'ok' || status === 'warning' || status === 'test_failure')
      ? `${passed}/${tests.length} tests passed`
      : clip(lines[0], MAX_MESSAGE_CHARS);
  return { status, text: capText(lines, maxChars), message, tests, warnings };
}

/** Drops whole lines from the end (keeping the first) until the text fits, then marks the cut. */
function capText(lines: string[], maxChars: number): string {
  const text = lines.join('\n');
  if (text.length <= maxChars) return text;
  const kept = [...lines];
  // Warnings are the most useful hint after the first line: keep them while cutting.
  while (kept.length > 1 && `${kept.join('\n')}\n…`.length > maxChars) {
    const warningStart = kept.findIndex((l) => l.startsWith('⚠'));
    const removable = warningStart > 1 ? warningStart - 1 : kept.length - 1;
    kept.splice(removable, 1);
  }
  const joined = `${kept.join('\n')}\n…`;
  return joined.length > maxChars ? `${joined.slice(0, maxChars - 1)}…` : joined;
}
