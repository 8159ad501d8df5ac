/**
 * The benchmark's data: a task as stored in a suite file ({@link BenchTask}) and the
 * record written for each (task, condition) pair ({@link BenchRecord}). Records are
 * JSONL lines that shards and reruns merge, so field names are a contract.
 */
import type { Language } from '../sandbox/types';

/** What a task asks: write a function, fix a bug in given code, or write, test and extend. */
export type TaskKind = 'function' | 'fix' | 'multistep';

/** The kinds in report order. */
export const TASK_KINDS: readonly TaskKind[] = ['function', 'fix', 'multistep'];

/** One benchmark task. */
export interface BenchTask {
  /** Unique in its suite, e.g. `py-fn-001`. */
  id: string;
  kind: TaskKind;
  language: Language;
  /** What the model is asked, verbatim (for `fix`, it includes the buggy code). */
  prompt: string;
  /** Name of the function the hidden tests call. */
  entryPoint: string;
  /** Test statements in the task's language; never shown to the model. */
  hiddenTests: string[];
  /** Test statements the prompt shows as examples; the `expert+examples` condition runs them. */
  examples?: string[];
  /** A reference solution; the suite test checks it passes `hiddenTests`. */
  solution?: string;
  /** Where the task comes from (`suite`, `humaneval`, …). Defaults to the file name. */
  source?: string;
}

/** How the final answer's code fared on the hidden tests. */
export interface CodeCheck {
  /** The code parsed (Python) or compiled and type-checked (TypeScript/JavaScript). */
  syntaxValid: boolean;
  /** Every hidden test ran and passed. */
  passed: boolean;
  /** Sandbox status of the run (`ok`, `syntax_error`, `test_failure`, …), or `no_code`. */
  status: string;
  testsPassed: number;
  testsTotal: number;
  /**
   * What went wrong, for the repair-rate breakdown: the error class of a syntax or runtime
   * error (`SyntaxError`, `NameError`, `TypeError`, …), `wrong output` when a hidden test's
   * comparison failed, `timeout`, or the status otherwise. Absent when it passed.
   */
  failure?: string;
}

/** The rules {@link BenchRecord.coherent} is the conjunction of (see lib/bench/README.md). */
export interface CoherenceChecks {
  /** Generation ended by the model's own stop (or a pass), not a budget or a repeat. */
  stopped: boolean;
  /** No repetition loop in the answer. */
  noLoop: boolean;
  /** No line of an injected verdict copied into the answer after it. */
  noEcho: boolean;
  /** The answer has a closed code block in the task's language. */
  finalCode: boolean;
}

/** One (task, condition) result: a line of results.jsonl. */
export interface BenchRecord {
  taskId: string;
  kind: TaskKind;
  language: Language;
  condition: string;
  /** Router that chose which blocks run: `heuristic` or `probe`. */
  router: string;
  /** Code blocks (closed fences) the answer contains. */
  blocks: number;
  /** Hidden tests on the first code block (undefined when there is none). */
  first?: CodeCheck;
  /** Hidden tests on the final code block: the numbers the report is made of. */
  final: CodeCheck;
  selfCorrected: boolean;
  brokenByFeedback: boolean;
  coherent: boolean;
  coherence: CoherenceChecks;
  finish: string;
  promptTokens: number;
  generatedTokens: number;
  injectedTokens: number;
  /** Verdicts the experts gave (injected into the context). */
  expertCalls: number;
  wallMs: number;
  /** The answer as the model saw it, verdicts included; kept for the regressions list. */
  transcript: string;
  /**
   * Search strategies: how many candidates there were and how many pass the hidden tests
   * (scored here, after the strategy chose; the strategy never sees the hidden tests).
   */
  oracle?: {
    candidates: number;
    passed: number;
    /** The first candidate (the greedy one, what model-only writes) passes. */
    greedyPassed?: boolean;
    /** Index of the chosen candidate; not 0 means the search replaced the greedy answer. */
    chosen?: number;
  };
}
