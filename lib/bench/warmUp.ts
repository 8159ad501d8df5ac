import type { Language } from '../sandbox/types';
import type { CodeRunner } from '../testgen/analyzePython';

/** Wall clock allowed for a warm-up run: loading Pyodide took 9 s on 2 busy cores. */
export const WARM_UP_TIMEOUT_MS = 60_000;

/**
 * Runs a trivial program in each language, with a generous limit, so the cold start of
 * an interpreter (Pyodide's load) is not charged to the first task's run as a timeout.
 */
export async function warmUp(runner: CodeRunner, languages: Iterable<Language>): Promise<void> {
  for (const language of new Set(languages)) {
    const r = await runner.run({ language, code: language === 'python' ? 'pass' : 'void 0', limits: { timeoutMs: WARM_UP_TIMEOUT_MS } });
    if (r.status !== 'ok') throw new Error(`sandbox warm-up in ${language} failed: ${r.status} ${r.error?.message ?? ''}`);
  }
}
