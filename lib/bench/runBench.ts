import type { CodeRunner } from '../testgen/analyzePython';
import type { AnswerSource } from './AnswerSource';
import type { BenchCondition } from './BenchCondition';
import { appendRecord, endWithNewline, readRecords, recordKey } from './resultsFile';
import { scoreAnswer } from './scoreAnswer';
import type { BenchRecord, BenchTask } from './types';
import { warmUp } from './warmUp';

/** The router label of records when none is named. */
export const DEFAULT_ROUTER = 'heuristic';

/** Options of {@link runBench}. */
export interface RunBenchOptions {
  /** The tasks to run (already limited and sharded, see `selectTasks`). */
  tasks: readonly BenchTask[];
  conditions: readonly BenchCondition[];
  source: AnswerSource;
  /** Runs the hidden tests (a Sandbox). */
  runner: CodeRunner;
  /** results.jsonl: read first to skip finished pairs, then appended to. */
  out: string;
  /** Label of the router the source uses, stored in each record. Defaults to {@link DEFAULT_ROUTER}. */
  router?: string;
  /** Called after each pair (skipped ones included) with the pairs done and the total. */
  onProgress?: (done: number, total: number, record?: BenchRecord) => void;
  signal?: AbortSignal;
}

/** What a run did. */
export interface RunBenchResult {
  /** Records written by this run. */
  written: BenchRecord[];
  /** Pairs skipped because `out` already had them. */
  skipped: number;
}

/**
 * Runs every (task, condition) pair not yet in `out`, task by task (so a partial run
 * has all conditions of the tasks it covers), scoring each answer and appending its
 * record as soon as it is known.
 */
export async function runBench(options: RunBenchOptions): Promise<RunBenchResult> {
  const router = options.router ?? DEFAULT_ROUTER;
  await endWithNewline(options.out);
  const done = new Set((await readRecords([options.out])).map(recordKey));
  const pairs = options.tasks.flatMap((task) => options.conditions.map((condition) => ({ task, condition })));
  const todo = pairs.filter(({ task, condition }) => !done.has(recordKey({ taskId: task.id, condition, router })));
  await warmUp(options.runner, todo.map(({ task }) => task.language));
  const written: BenchRecord[] = [];
  let skipped = 0;
  let count = 0;
  for (const { task, condition } of pairs) {
    options.signal?.throwIfAborted();
    if (done.has(recordKey({ taskId: task.id, condition, router }))) {
      skipped++;
      options.onProgress?.(++count, pairs.length);
      continue;
    }
    const started = performance.now();
    const answer = await options.source.answer(task, condition, options.signal);
    const wallMs = performance.now() - started;
    const record = await scoreAnswer(options.runner, task, answer, { condition, router, wallMs });
    await appendRecord(options.out, record);
    written.push(record);
    options.onProgress?.(++count, pairs.length, record);
  }
  return { written, skipped };
}
