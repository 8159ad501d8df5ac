/**
 * Test double for the benchmark harness: answers are fixed texts looked up by
 * (task, condition), so the harness's metrics can be checked exactly without a model.
 */
import type { AnswerSource, BenchAnswer, BenchCondition, BenchTask } from '../../lib/bench';

/** One scripted answer: the assistant's turns, the verdicts between them, and how it ended. */
export interface Script {
  turns: string[];
  verdicts?: string[];
  finish?: string;
}

export class ScriptedAnswerSource implements AnswerSource {
  /** Every (task, condition) asked for, in order. */
  readonly calls: string[] = [];

  constructor(private readonly scripts: Record<string, Script>, private readonly failAfter = Infinity) {}

  async answer(task: BenchTask, condition: BenchCondition): Promise<BenchAnswer> {
    const key = `${task.id}|${condition}`;
    if (this.calls.length >= this.failAfter) throw new Error('scripted crash');
    this.calls.push(key);
    const s = this.scripts[key];
    if (!s) throw new Error(`no script for ${key}`);
    return {
      turns: s.turns,
      verdicts: s.verdicts ?? [],
      finish: s.finish ?? 'stop_token',
      promptTokens: task.prompt.length,
      // One "token" per character keeps the expected totals easy to compute.
      generatedTokens: s.turns.join('').length,
      injectedTokens: (s.verdicts ?? []).join('').length,
    };
  }
}
