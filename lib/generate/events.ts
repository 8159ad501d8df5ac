/**
 * The generator's event stream (a discriminated union): what CLIs, UIs and the
 * benchmark consume. The shapes are public API; add fields, do not rename them.
 */
import type { FenceCloseEvent } from '../detect/CodeBlockDetector';
import type { ExpertVerdict } from '../experts/types';
import type { RouteDecision } from '../routing/Router';
import type { StopReason } from '../runtime/Session';

/** A generated token and its text. */
export interface TokenEvent { type: 'token'; token: number; text: string }
/** A code block closed; `route` says whether it is run. */
export interface CodeBlockEvent { type: 'code_block'; block: FenceCloseEvent; index: number; route: RouteDecision }
/** An expert started judging block `index`. */
export interface ExpertStartEvent { type: 'expert_start'; expert: string; index: number }
/** An expert's verdict on block `index` (injected or not). */
export interface ExpertResultEvent { type: 'expert_result'; verdict: ExpertVerdict; index: number }
/**
 * A verdict was injected into the KV cache (`tokens` of it, the session growing from
 * `lengthBefore` to `lengthAfter`).
 */
export interface InjectedEvent { type: 'injected'; text: string; tokens: number; lengthBefore: number; lengthAfter: number }
/** A failed verdict started repair round `round`. */
export interface RoundEvent { type: 'round'; round: number; reason: string }
/** The generation ended; its result. */
export interface DoneEvent { type: 'done'; result: GenerationResult }
/** best-of-n: every candidate, judged, and the one chosen (an index into `candidates`). */
export interface CandidatesEvent { type: 'candidates'; candidates: CandidateSummary[]; chosen: number }

/** The events of a generation, in order; the last is `done`. */
export type GenerationEvent = TokenEvent | CodeBlockEvent | ExpertStartEvent | ExpertResultEvent | InjectedEvent | RoundEvent | CandidatesEvent | DoneEvent;

/** One best-of-n candidate as reported (see bestOfN.ts). */
export interface CandidateSummary {
  index: number;
  /** The greedy candidate (what model-only would have written). */
  greedy: boolean;
  /** Its answer up to and including its first judged block. */
  text: string;
  tokens: number;
  finish: 'block' | 'stop_token' | 'max_tokens' | 'context_full';
  /** The code of its judged block, when it closed one. Equal blocks share one expert run. */
  code?: string;
  hasCode: boolean;
  status?: ExpertVerdict['status'];
  visiblePassed: number;
  visibleTotal: number;
  generatedPassed: number;
  /** Candidates that returned the same values as this one on the probe inputs (itself included); absent when none were probed. */
  agreeing?: number;
  /** Its value on each probe input, when it was probed. */
  observations?: string[];
  /** Probe inputs on which it raised while another candidate returned a value. */
  crashes?: number;
}

/** One executed block in the summary. */
export interface BlockSummary {
  index: number;
  language?: string;
  code: string;
  status: ExpertVerdict['status'];
  ok: boolean;
  round: number;
  expert: string;
  /** Decode time since the previous judged block (0 for code given in assistantPrefix). */
  writeMs: number;
  expertMs: number;
  injectMs: number;
  injectedTokens: number;
}

/**
 * Why generation ended: the model's own stop, a budget, `passed` (stopOnPass, or the
 * model repeated code that had passed), `repeated` (it repeated failing code).
 */
export type FinishReason = StopReason | 'rounds_exhausted' | 'passed' | 'repeated';

/** The outcome of a generation: texts, judged blocks, why it ended, token counts and timings. */
export interface GenerationResult {
  /** Everything the assistant wrote plus the injected verdicts, as the model saw it. */
  transcript: string;
  /** The assistant's own text only (no injected verdicts), per turn joined with blank lines. */
  answer: string;
  /** The last code block the model wrote, if any. */
  finalCode?: { language?: string; code: string };
  blocks: BlockSummary[];
  rounds: number;
  finish: FinishReason;
  promptTokens: number;
  /** Prompt tokens already in the session (a chat's earlier turns), not prefilled again. */
  reusedTokens?: number;
  generatedTokens: number;
  injectedTokens: number;
  /** Verdicts asked for (every judged block of every candidate). */
  expertCalls?: number;
  /** best-of-n: every candidate, judged (tokens of all of them are in generatedTokens). */
  candidates?: CandidateSummary[];
  timings: { prefillMs: number; decodeMs: number; expertMs: number; injectMs: number; totalMs: number };
}

/** Runs an event stream to its end and returns what it returns (its events are dropped). */
export async function finalResult<R>(events: AsyncGenerator<unknown, R>): Promise<R> {
  for (;;) {
    const r = await events.next();
    if (r.done) return r.value;
  }
}
