import type { BenchRecord } from './types';
import { wilson, type Proportion } from './wilson';

/** The metrics of one group of records (one condition, or one condition and kind). */
export interface BenchSummary {
  /** `condition` or `condition (router)` when the router is not the heuristic. */
  label: string;
  tasks: number;
  syntaxValid: Proportion;
  /** pass@1 on the hidden tests. */
  correct: Proportion;
  /** Among tasks whose first block failed: final block passes. */
  selfCorrected: Proportion;
  /** Among tasks whose first block passed: final block fails. */
  brokenByFeedback: Proportion;
  coherent: Proportion;
  meanGeneratedTokens: number;
  meanInjectedTokens: number;
  meanExpertCalls: number;
  meanWallMs: number;
}

/** Label of a record's approach: the condition, with the router when it is not the default. */
export function approachOf(r: Pick<BenchRecord, 'condition' | 'router'>): string {
  return r.router && r.router !== 'heuristic' ? `${r.condition} (${r.router})` : r.condition;
}

/** Computes the metrics of lib/bench/README.md over `records`. */
export function summarize(label: string, records: readonly BenchRecord[]): BenchSummary {
  const count = (f: (r: BenchRecord) => boolean) => records.filter(f).length;
  const mean = (f: (r: BenchRecord) => number) => (records.length ? records.reduce((s, r) => s + f(r), 0) / records.length : 0);
  const firstFailed = records.filter((r) => r.first !== undefined && !r.first.passed);
  const firstPassed = records.filter((r) => r.first?.passed === true);
  return {
    label,
    tasks: records.length,
    syntaxValid: wilson(count((r) => r.final.syntaxValid), records.length),
    correct: wilson(count((r) => r.final.passed), records.length),
    selfCorrected: wilson(firstFailed.filter((r) => r.selfCorrected).length, firstFailed.length),
    brokenByFeedback: wilson(firstPassed.filter((r) => r.brokenByFeedback).length, firstPassed.length),
    coherent: wilson(count((r) => r.coherent), records.length),
    meanGeneratedTokens: mean((r) => r.generatedTokens),
    meanInjectedTokens: mean((r) => r.injectedTokens),
    meanExpertCalls: mean((r) => r.expertCalls),
    meanWallMs: mean((r) => r.wallMs),
  };
}

/** Groups records by approach (in first-seen order) and summarizes each group. */
export function summarizeByApproach(records: readonly BenchRecord[]): BenchSummary[] {
  const groups = new Map<string, BenchRecord[]>();
  for (const r of records) {
    const label = approachOf(r);
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label)!.push(r);
  }
  return [...groups].map(([label, rs]) => summarize(label, rs));
}
