/**
 * Search checked by execution: several candidate answers from one prefix, each run
 * against the visible checks, the best kept. A small model rarely repairs wrong logic
 * from a verdict, but often writes a right answer among a few samples (CodeT, AlphaCode's
 * filtering), and here the samples are cheap: the prompt is prefilled once, forked (KV rows
 * copied) and the candidates decode in one batch.
 *
 * Adaptive: the greedy answer comes first, alone (what model-only would write); when it
 * passes every visible check it is the answer, at model-only cost. Otherwise `samples`
 * sampled candidates are forked from the same prefix and decoded together, every candidate
 * is judged, and {@link selectCandidate} picks one. Hidden benchmark tests never reach this
 * module: it sees the prompt, the caller's tests and what the expert derives from them.
 */
import { CodeBlockDetector, type FenceCloseEvent } from '../detect/CodeBlockDetector';
import type { CodeLanguage } from '../detect/inferLanguage';
import type { ExpertRegistry } from '../experts/ExpertRegistry';
import type { ExpertContext, ExpertVerdict } from '../experts/types';
import { AbortError } from '../errors';
import type { Model } from '../runtime/Model';
import type { SamplingOptions, Session } from '../runtime/Session';

/** Sampled candidates besides the greedy one. */
export const DEFAULT_SAMPLES = 4;
/** Temperature of the sampled candidates: diverse enough to differ, close enough to stay on task. */
export const DEFAULT_CANDIDATE_TEMPERATURE = 0.8;
/** min-p of the sampled candidates: drops the long tail that derails small models. */
export const DEFAULT_CANDIDATE_MIN_P = 0.05;

/** Options of {@link searchCandidates}. */
export interface BestOfNOptions {
  /** Sampled candidates besides the greedy one. Defaults to {@link DEFAULT_SAMPLES}. */
  samples?: number;
  /** Sampling of the candidates. Defaults to temperature {@link DEFAULT_CANDIDATE_TEMPERATURE}, minP {@link DEFAULT_CANDIDATE_MIN_P}. */
  sampling?: SamplingOptions;
  /** Stop at the greedy answer when it passes every visible check. Defaults to true. */
  adaptive?: boolean;
}

/** What a candidate's visible checks showed, the facts {@link selectCandidate} orders by. */
export interface CandidateScore {
  /** The candidate wrote a code block the expert could judge. */
  hasCode: boolean;
  /** Checks the caller gave or the prompt shows (asserts, `>>>` examples), passed and in all. */
  visiblePassed: number;
  visibleTotal: number;
  /** The expert's generated property checks passed. */
  generatedPassed: number;
  /**
   * The candidate's behaviour on the generated inputs (each check's outcome and value):
   * candidates with equal signatures behave alike there.
   */
  signature: string;
}

/** One candidate answer, judged. */
export interface Candidate extends CandidateScore {
  index: number;
  greedy: boolean;
  /** The answer's text, up to and including its first judged code block. */
  text: string;
  tokens: number;
  block?: FenceCloseEvent;
  verdict?: ExpertVerdict;
  /** Why its decoding ended: a closed block, an end of turn, the budget, a full context. */
  finish: 'block' | 'stop_token' | 'max_tokens' | 'context_full';
}

/** The candidates and the choice. */
export interface SearchResult {
  candidates: Candidate[];
  chosen: number;
  /** The chosen candidate's session (prompt + its answer), the caller's to dispose. */
  session: Session;
  generatedTokens: number;
  expertCalls: number;
  decodeMs: number;
  expertMs: number;
}

/**
 * Picks the best candidate: most visible checks passed, then most generated checks passed,
 * then the largest group of candidates that behave alike on the generated inputs (CodeT's
 * dual agreement: independent samples that agree are more often right), then the earliest
 * (the greedy candidate comes first). A candidate without judged code loses to any with.
 */
export function selectCandidate(candidates: readonly CandidateScore[]): number {
  if (candidates.length === 0) throw new RangeError('no candidates to choose from');
  const cluster = new Map<string, number>();
  for (const c of candidates) if (c.hasCode) cluster.set(c.signature, (cluster.get(c.signature) ?? 0) + 1);
  const key = (c: CandidateScore) => [c.hasCode ? 1 : 0, c.visiblePassed, c.generatedPassed, c.hasCode ? cluster.get(c.signature)! : 0];
  let best = 0;
  for (let i = 1; i < candidates.length; i++) {
    const a = key(candidates[i]), b = key(candidates[best]);
    const j = a.findIndex((v, k) => v !== b[k]);
    if (j >= 0 && a[j] > b[j]) best = i;
  }
  return best;
}

/**
 * Whether a judged candidate passed every visible check it had and ran cleanly. Generated
 * checks do not count here: they guess at properties (an order-independent result, inputs of
 * any shape) that a right answer may break, and a search started on such a failure only costs.
 * A `warning` (a function returned None where a value was expected) does count against it.
 */
export function passesVisible(c: Pick<Candidate, 'hasCode' | 'verdict' | 'visiblePassed' | 'visibleTotal'>): boolean {
  const status = c.verdict?.status;
  return c.hasCode && (status === 'ok' || status === 'test_failure') && c.visiblePassed === c.visibleTotal;
}

function score(verdict: ExpertVerdict | undefined): CandidateScore {
  if (!verdict || verdict.status === 'expert_error') return { hasCode: false, visiblePassed: 0, visibleTotal: 0, generatedPassed: 0, signature: '' };
  const visible = verdict.tests.filter((t) => t.origin !== 'generated');
  const generated = verdict.tests.filter((t) => t.origin === 'generated');
  return {
    hasCode: true,
    visiblePassed: visible.filter((t) => t.passed).length,
    visibleTotal: visible.length,
    generatedPassed: generated.filter((t) => t.passed).length,
    signature: JSON.stringify([verdict.status, generated.map((t) => [t.test, t.passed, t.got ?? t.error ?? ''])]),
  };
}

/** What the search needs from the generator: the request's visible material and the budget. */
export interface SearchRequest {
  prompt: string;
  tests?: readonly string[];
  language?: CodeLanguage;
  /** Text the answer starts with (already in the root session). */
  prefix: string;
  maxTokens: number;
  stopIds: ReadonlySet<number>;
  signal?: AbortSignal;
}

interface Live {
  session: Session;
  detector: CodeBlockDetector;
  decoder: ReturnType<Model['tokenizer']['createStreamDecoder']>;
  candidate: Candidate;
}

/**
 * Decodes candidates from forks of `root` (which holds the prompt) in one batch, each until
 * its first judgeable code block closes, its turn ends or its budget is spent; judges them
 * in the sandbox concurrently. Returns them with their sessions disposed except the chosen one.
 */
async function decodeCandidates(
  model: Model,
  root: Session,
  experts: ExpertRegistry,
  req: SearchRequest,
  plan: { greedy: boolean; sampling: SamplingOptions }[],
  firstIndex: number,
  costs: { generatedTokens: number; expertCalls: number; decodeMs: number; expertMs: number },
): Promise<{ candidate: Candidate; session: Session }[]> {
  const live: Live[] = [];
  for (const [k, p] of plan.entries()) {
    const session = await root.fork();
    const detector = new CodeBlockDetector();
    detector.push(req.prefix);
    live.push({
      session,
      detector,
      decoder: model.tokenizer.createStreamDecoder(),
      candidate: { index: firstIndex + k, greedy: p.greedy, text: req.prefix, tokens: 0, finish: 'max_tokens', ...score(undefined) },
    });
  }
  const context = (text: string, block?: FenceCloseEvent): ExpertContext => ({
    text,
    prompt: req.prompt,
    tests: req.tests,
    language: req.language,
    block: block && { code: block.code, language: block.language, start: block.start, end: block.end },
  });
  let active = live.map((_, i) => i);
  while (active.length) {
    if (req.signal?.aborted) throw new AbortError();
    active = active.filter((i) => {
      const l = live[i];
      if (l.candidate.tokens >= req.maxTokens) l.candidate.finish = 'max_tokens';
      else if (l.session.length >= l.session.contextLength) l.candidate.finish = 'context_full';
      else return true;
      return false;
    });
    if (!active.length) break;
    const t0 = performance.now();
    const results = await model.stepBatch(active.map((i) => live[i].session), { sampling: active.map((i) => plan[i].sampling) });
    costs.decodeMs += performance.now() - t0;
    const still: number[] = [];
    for (const [k, i] of active.entries()) {
      const l = live[i];
      const token = results[k].token;
      if (req.stopIds.has(token)) {
        // A turn that ends right after its closing fence: that block is finished too.
        for (const e of l.detector.push('\n')) if (e.type === 'fence_close' && !l.candidate.block && experts.select(context(l.candidate.text, e))) l.candidate.block = e;
        l.candidate.finish = l.candidate.block ? 'block' : 'stop_token';
        await l.session.rewind(1); // the end of turn is not part of the answer
        continue;
      }
      l.candidate.tokens++;
      costs.generatedTokens++;
      const piece = l.decoder.push(token);
      l.candidate.text += piece;
      const closed = l.detector.push(piece).find((e): e is FenceCloseEvent => e.type === 'fence_close' && experts.select(context(l.candidate.text, e)) !== undefined);
      if (closed) {
        l.candidate.block = closed;
        l.candidate.finish = 'block';
        continue;
      }
      still.push(i);
    }
    active = still;
  }
  const t0 = performance.now();
  const verdicts = await Promise.all(
    live.map((l) => (l.candidate.block ? experts.execute(context(l.candidate.text, l.candidate.block), req.signal) : Promise.resolve(undefined))),
  );
  costs.expertMs += performance.now() - t0;
  return live.map((l, k) => {
    if (l.candidate.block) costs.expertCalls++;
    const candidate: Candidate = { ...l.candidate, verdict: verdicts[k], ...score(verdicts[k]) };
    return { candidate, session: l.session };
  });
}

/**
 * Runs the search from `root` (prompt prefilled, not modified). See the module comment.
 */
export async function searchCandidates(
  model: Model,
  root: Session,
  experts: ExpertRegistry,
  req: SearchRequest,
  options: BestOfNOptions = {},
): Promise<SearchResult> {
  const samples = options.samples ?? DEFAULT_SAMPLES;
  const sampling: SamplingOptions = { temperature: DEFAULT_CANDIDATE_TEMPERATURE, minP: DEFAULT_CANDIDATE_MIN_P, ...options.sampling };
  const costs = { generatedTokens: 0, expertCalls: 0, decodeMs: 0, expertMs: 0 };
  const greedyPlan = [{ greedy: true, sampling: { temperature: 0 } }];
  const sampledPlan = Array.from({ length: samples }, () => ({ greedy: false, sampling }));
  let judged: { candidate: Candidate; session: Session }[];
  if (options.adaptive ?? true) {
    judged = await decodeCandidates(model, root, experts, req, greedyPlan, 0, costs);
    if (!passesVisible(judged[0].candidate) && samples > 0) {
      judged = judged.concat(await decodeCandidates(model, root, experts, req, sampledPlan, 1, costs));
    }
  } else {
    judged = await decodeCandidates(model, root, experts, req, [...greedyPlan, ...sampledPlan], 0, costs);
  }
  const candidates = judged.map((j) => j.candidate);
  const chosen = selectCandidate(candidates);
  for (const [k, j] of judged.entries()) if (k !== chosen) j.session.dispose();
  return { candidates, chosen, session: judged[chosen].session, ...costs };
}
