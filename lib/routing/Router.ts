/**
 * Decides whether a detected code block should be executed. The heuristic router
 * looks at the block itself; the learned probe (routing issue) adds a score from
 * the model's hidden state at the closing fence.
 */
import type { FenceCloseEvent } from '../detect/CodeBlockDetector';

export interface RouteInput {
  block: FenceCloseEvent;
  /** Hidden state at the closing fence, when the router asked for one. */
  hidden?: Float32Array;
}

export interface RouteDecision {
  run: boolean;
  /** Why, in a few words (for transcripts and benchmarks). */
  reason: string;
  /** Probe score in 0..1, when a probe decided. */
  score?: number;
}

export interface Router {
  /** Layer whose hidden state `route` needs at trigger positions, if any. */
  readonly captureLayer?: number;
  route(input: RouteInput): RouteDecision;
}
