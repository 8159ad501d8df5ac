import type { RunResult } from '../sandbox/types';
import type { CodeRunner } from '../testgen/analyzePython';
import type { BenchTask, CodeCheck } from './types';

/** The check of an answer without code. */
export const NO_CODE: Readonly<CodeCheck> = Object.freeze({ syntaxValid: false, passed: false, status: 'no_code', testsPassed: 0, testsTotal: 0 });

/**
 * Runs `code` with the task's hidden tests in the sandbox (in the task's language) and
 * counts the result. Syntax validity comes from the same run: the sandbox reports
 * `syntax_error` for code that does not parse, and for TypeScript that does not
 * type-check, before anything runs.
 */
export async function checkCode(runner: CodeRunner, task: BenchTask, code: string | undefined): Promise<CodeCheck> {
  if (code === undefined || code.trim() === '') return { ...NO_CODE, testsTotal: task.hiddenTests.length };
  const run = await runner.run({ language: task.language, code, tests: task.hiddenTests, entry: task.entryPoint });
  const testsPassed = run.tests.filter((t) => t.passed).length;
  // Every test must have been reported: a crash before the tests reports none.
  const passed = run.status === 'ok' && run.tests.length === task.hiddenTests.length && testsPassed === task.hiddenTests.length;
  return {
    syntaxValid: run.status !== 'syntax_error',
    passed,
    status: run.status,
    testsPassed,
    testsTotal: task.hiddenTests.length,
    ...(!passed && { failure: failureOf(run) }),
  };
}

/** See {@link CodeCheck.failure}. */
function failureOf(run: RunResult): string {
  if (run.status === 'timeout') return 'timeout';
  if (run.error?.type) return run.error.type;
  const failed = run.tests.find((t) => !t.passed);
  if (failed?.error?.type && failed.error.type !== 'AssertionError') return failed.error.type;
  if (run.status === 'test_failure') return 'wrong output';
  return run.status;
}
