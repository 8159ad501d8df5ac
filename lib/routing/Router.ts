/**
 * Decides whether a detected code block should be executed. The heuristic router
 * looks at the block itself; the learned probe (routing issue) adds a score from
 * the model's hidden state at the closing fence.
 */
import type { FenceCloseEvent } from '../detect/CodeBlockDetector';

/**
 * What a router sees: the block, and the hidden state at its last token when the router asked
 * for a layer.
 */
export interface RouteInput {
  block: FenceCloseEvent;
  /** Hidden state at the closing fence, when the router asked for one. */
  hidden?: Float32Array;
}

/** A router's decision and its reason (shown when a block is not run). */
export interface RouteDecision {
  run: boolean;
  /** Why, in a few words (for transcripts and benchmarks). */
  reason: string;
  /** Probe score in 0..1, when a probe decided. */
  score?: number;
}

/** Decides which closed code blocks the experts run (the heuristic router, or a learned routing probe). */
export interface Router {
  /** Layer whose hidden state `route` needs at trigger positions, if any. */
  readonly captureLayer?: number;
  route(input: RouteInput): RouteDecision;
}
