/**
 * Where the benchmark's answers come from. The real source drives a {@link Generator};
 * tests drive the harness with a scripted source whose answers are fixed texts, so the
 * metrics can be checked exactly without a model.
 */
import type { BenchTask } from './types';
import type { BenchCondition } from './BenchCondition';

/** What the harness needs to know about one generation. */
export interface BenchAnswer {
  /**
   * The assistant's own text, one entry per turn: turn 0 before the first injected
   * verdict, turn i after verdict i-1.
   */
  turns: string[];
  /** The injected verdicts as the model saw them, in order (framing included). */
  verdicts: string[];
  /** Why generation ended (a `FinishReason` of the generator). */
  finish: string;
  promptTokens: number;
  generatedTokens: number;
  injectedTokens: number;
  /** Verdicts asked for, injected or not. Defaults to `verdicts.length`. */
  expertCalls?: number;
  /** Search strategies: every candidate's answer text (the chosen one among them), greedy first. */
  candidates?: string[];
  /** Search strategies: the index of the chosen candidate in {@link candidates}. */
  chosen?: number;
}

/** Produces the answer to one task under one condition. */
export interface AnswerSource {
  answer(task: BenchTask, condition: BenchCondition, signal?: AbortSignal): Promise<BenchAnswer>;
  /** Releases what the source holds (experts, sandboxes). Optional. */
  dispose?(): Promise<void>;
}

/** The transcript of an answer: every turn followed by the verdict the model read after it. */
export function transcriptOf(answer: BenchAnswer): string {
  return answer.turns.map((t, i) => t + (answer.verdicts[i] ?? '')).join('');
}
