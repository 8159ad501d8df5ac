import type { CodeRunner } from '../testgen/analyzePython';
import { transcriptOf, type BenchAnswer } from './AnswerSource';
import { checkCode } from './checkCode';
import { extractCodeBlocks, pickBlocks } from './extractCodeBlocks';
import { judgeCoherence } from './judgeCoherence';
import type { BenchRecord, BenchTask, CodeCheck } from './types';

/** Longest transcript kept in a record; enough to read a regression, small enough for JSONL. */
export const MAX_TRANSCRIPT_CHARS = 6000;

/** Where an answer was produced: the pair it belongs to and what it cost. */
export interface ScoreContext {
  condition: string;
  router: string;
  wallMs: number;
}

/**
 * Scores one answer: runs the hidden tests on its first and final code blocks (one
 * run when they are the same block), judges coherence, and builds the record.
 */
export async function scoreAnswer(runner: CodeRunner, task: BenchTask, answer: BenchAnswer, at: ScoreContext): Promise<BenchRecord> {
  // One hidden-test run per distinct code: candidates often repeat each other (and the final
  // block is usually one of them), and every check of one code must give one answer.
  const checked = new Map<string | undefined, Promise<CodeCheck>>();
  const check = (code: string | undefined) => {
    if (!checked.has(code)) checked.set(code, checkCode(runner, task, code));
    return checked.get(code)!;
  };
  const blocks = extractCodeBlocks(answer.turns);
  const { first, final } = pickBlocks(blocks, task.entryPoint);
  const finalCheck = await check(final?.code);
  const firstCheck = first === undefined ? undefined : await check(first.code);
  const coherence = judgeCoherence(answer, final !== undefined, task.prompt);
  // The ceiling of the search: each candidate's code against the hidden tests (all at once:
  // the sandbox gives Python runs their turns, see pythonRunsAtOnce).
  let oracle: BenchRecord['oracle'];
  if (answer.candidates) {
    const checks = await Promise.all(answer.candidates.map((text) => check(pickBlocks(extractCodeBlocks([text]), task.entryPoint).final?.code)));
    oracle = { candidates: checks.length, passed: checks.filter((c) => c.passed).length, greedyPassed: checks[0]?.passed ?? false, ...(answer.chosen !== undefined && { chosen: answer.chosen }) };
  }
  const transcript = transcriptOf(answer);
  return {
    taskId: task.id,
    kind: task.kind,
    language: task.language,
    condition: at.condition,
    router: at.router,
    blocks: blocks.length,
    ...(firstCheck && { first: firstCheck }),
    final: finalCheck,
    selfCorrected: firstCheck !== undefined && !firstCheck.passed && finalCheck.passed,
    brokenByFeedback: firstCheck !== undefined && firstCheck.passed && !finalCheck.passed,
    coherent: coherence.stopped && coherence.noLoop && coherence.noEcho && coherence.finalCode,
    coherence,
    finish: answer.finish,
    promptTokens: answer.promptTokens,
    generatedTokens: answer.generatedTokens,
    injectedTokens: answer.injectedTokens,
    expertCalls: answer.expertCalls ?? answer.verdicts.length,
    wallMs: Math.round(at.wallMs),
    transcript: transcript.length > MAX_TRANSCRIPT_CHARS ? `${transcript.slice(0, MAX_TRANSCRIPT_CHARS)}\n… (${transcript.length - MAX_TRANSCRIPT_CHARS} more chars)` : transcript,
    ...(oracle && { oracle }),
  };
}
