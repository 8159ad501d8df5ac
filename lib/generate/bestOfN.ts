/**
 * Search checked by execution: several candidate answers from one prefix, each run
 * against the visible checks, the best kept. A small model rarely repairs wrong logic
 * from a verdict, but often writes a right answer among a few samples (CodeT, AlphaCode's
 * filtering), and here the samples are cheap: the prompt is prefilled once, forked (KV rows
 * copied) and the candidates decode in one batch.
 *
 * When the request shows examples (`>>> f(2)` / `4`, asserts, the caller's tests), the greedy
 * answer and `samples` sampled ones decode together from forks of the prompt, every one is
 * judged on the visible checks and run on probe inputs nudged from the examples, and
 * {@link selectCandidate} keeps the one passing the most visible checks with the most
 * company (candidates returning the same values on the probes). Passing a visible example
 * or two is weak evidence: on HumanEval most of the greedy answers that fail the hidden tests
 * pass every visible one. Without examples the search is adaptive: the greedy answer alone,
 * and the samples only when it fails a visible check. While no candidate passes, more are
 * sampled, up to `maxSamples`. Hidden benchmark tests never reach this module: it sees the
 * prompt, the caller's tests and what the expert derives from them.
 */
import { CodeBlockDetector, type FenceCloseEvent } from '../detect/CodeBlockDetector';
import type { CodeLanguage } from '../detect/inferLanguage';
import type { ExpertRegistry } from '../experts/ExpertRegistry';
import type { ExpertContext, ExpertVerdict, Observations } from '../experts/types';
import { AbortError, InvalidArgumentError } from '../errors';
import { extractPromptTests } from '../testgen/extractPromptTests';
import type { Model } from '../runtime/Model';
import type { SamplingOptions, Session } from '../runtime/Session';
import type { RunStatus } from '../sandbox/types';

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
  /**
   * Sample only when needed: without {@link agreement}, stop at the greedy answer when it
   * passes every visible check; and while no candidate passes, sample `samples` more, up to
   * {@link maxSamples}. Defaults to true.
   */
  adaptive?: boolean;
  /** Most sampled candidates in all when none passes (adaptive). Defaults to twice `samples`. */
  maxSamples?: number;
  /**
   * When the request shows examples, always sample and compare the candidates' values on
   * probe inputs made from those examples (CodeT's dual agreement): the largest group that
   * behaves alike wins among those passing the most visible checks. Defaults to true.
   */
  agreement?: boolean;
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
   * Probe inputs on which it raised (or its run died) while another candidate returned a
   * value: crashing on an input shaped like the examples, where a peer does not, marks a bug
   * more often than a stricter reading of the task. 0 when not probed.
   */
  crashes?: number;
  /**
   * The candidate's behaviour: its values on the probe inputs when it was observed, else
   * its generated checks' outcomes. Candidates with equal signatures behave alike there.
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
  /** What it returned on each probe input (see {@link BestOfNOptions.agreement}), when it was observed. */
  observations?: string[];
  /** Candidates behaving like it (itself included), see {@link agreeing}. */
  agreeing?: number;
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
 * Picks the best candidate: most visible checks passed, then fewest {@link CandidateScore.crashes},
 * then the largest group of candidates
 * that behave alike (equal {@link CandidateScore.signature}: the same values on the probe
 * inputs, or else the same generated-check outcomes; CodeT's dual agreement: independent
 * samples that agree are more often right), then most generated checks passed (they guess
 * at properties, so they come after agreement), then the earliest (the greedy candidate
 * comes first, so it wins every tie). A candidate without judged code loses to any with.
 */
export function selectCandidate(candidates: readonly CandidateScore[]): number {
  if (candidates.length === 0) throw new InvalidArgumentError('no candidates to choose from');
  const company = agreeing(candidates);
  const key = (c: CandidateScore, i: number) => [c.hasCode ? 1 : 0, c.visiblePassed, -(c.crashes ?? 0), company[i], c.generatedPassed];
  let best = 0;
  for (let i = 1; i < candidates.length; i++) {
    const a = key(candidates[i], i), b = key(candidates[best], best);
    const j = a.findIndex((v, k) => v !== b[k]);
    if (j >= 0 && a[j] > b[j]) best = i;
  }
  return best;
}

/** For each candidate, how many candidates with judged code (itself included) share its signature; 0 without code. */
export function agreeing(candidates: readonly CandidateScore[]): number[] {
  const groups = new Map<string, number>();
  for (const c of candidates) if (c.hasCode) groups.set(c.signature, (groups.get(c.signature) ?? 0) + 1);
  return candidates.map((c) => (c.hasCode ? groups.get(c.signature)! : 0));
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

type Costs = { generatedTokens: number; expertCalls: number; decodeMs: number; expertMs: number };
type Judged = { candidate: Candidate; session: Session };

/**
 * One search's expert calls by judged code: samples often repeat the greedy block word for
 * word, and the expert sees only the block, the prompt and the tests (all equal then), so
 * equal blocks share one run. `expertCalls` counts the runs made.
 */
class JudgementMemo {
  private readonly verdicts = new Map<string, Promise<ExpertVerdict | undefined>>();
  private readonly observations = new Map<string, Promise<Observations | undefined>>();
  constructor(private readonly experts: ExpertRegistry, private readonly req: SearchRequest, private readonly costs: Costs) {}

  execute(text: string, block: FenceCloseEvent): Promise<ExpertVerdict | undefined> {
    return this.once(this.verdicts, block, () => {
      this.costs.expertCalls++;
      return this.experts.execute(expertContext(this.req, text, block), this.req.signal);
    });
  }

  observe(text: string, block: FenceCloseEvent): Promise<Observations | undefined> {
    return this.once(this.observations, block, () => this.experts.observe(expertContext(this.req, text, block), this.req.signal));
  }

  private once<T>(memo: Map<string, Promise<T>>, block: FenceCloseEvent, run: () => Promise<T>): Promise<T> {
    const key = JSON.stringify([block.language, block.code]);
    let p = memo.get(key);
    if (!p) memo.set(key, (p = run()));
    return p;
  }
}

function expertContext(req: SearchRequest, text: string, block?: FenceCloseEvent): ExpertContext {
  return {
    text,
    prompt: req.prompt,
    tests: req.tests,
    language: req.language,
    block: block && { code: block.code, language: block.language, start: block.start, end: block.end },
  };
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
  memo: JudgementMemo,
  req: SearchRequest,
  plan: { greedy: boolean; sampling: SamplingOptions }[],
  firstIndex: number,
  costs: Costs,
): Promise<Judged[]> {
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
  const context = (text: string, block?: FenceCloseEvent) => expertContext(req, text, block);
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
  const verdicts = await Promise.all(live.map((l) => (l.candidate.block ? memo.execute(l.candidate.text, l.candidate.block) : Promise.resolve(undefined))));
  costs.expertMs += performance.now() - t0;
  return live.map((l, k) => {
    const candidate: Candidate = { ...l.candidate, verdict: verdicts[k], ...score(verdicts[k]) };
    return { candidate, session: l.session };
  });
}

/**
 * Whether the request shows examples to compare candidates on (see {@link probeCalls}); then
 * the search samples even when the greedy answer passes, since passing one or two visible
 * examples is weak evidence and agreement on the nudged inputs is stronger.
 */
export function hasProbeExamples(req: Pick<SearchRequest, 'prompt' | 'tests' | 'language'>): boolean {
  const source = [req.prompt, ...(req.tests ?? [])].join('\n');
  return extractPromptTests(source, req.language ?? 'python').some((t) => t.call !== undefined);
}

/** Whether a probe outcome is a failure (`raises …`, or how the run ended) rather than a value's repr. */
export function isFailedOutcome(outcome: string): boolean {
  return outcome.startsWith('raises ') || RUN_ENDINGS.has(outcome);
}

// How a probe run can end without values (the sandbox's statuses); a repr is never one of these words.
const RUN_ENDINGS: ReadonlySet<string> = new Set<RunStatus>(['syntax_error', 'runtime_error', 'test_failure', 'timeout', 'memory_limit', 'output_limit', 'sandbox_error']);

/** Counts each observed candidate's {@link CandidateScore.crashes} among those probed on the same calls. */
export function countCrashes(candidates: readonly (Pick<Candidate, 'observations'> & { calls?: string })[]): number[] {
  return candidates.map((c) => {
    if (!c.observations) return 0;
    const peers = candidates.filter((p) => p !== c && p.observations && p.calls === c.calls);
    return c.observations.filter((o, i) => isFailedOutcome(o) && peers.some((p) => !isFailedOutcome(p.observations![i]))).length;
  });
}

/** Observes every judged candidate on the shared probe inputs, concurrently. */
async function observeCandidates(memo: JudgementMemo, judged: readonly Judged[], costs: Costs): Promise<void> {
  const t0 = performance.now();
  const seen = await Promise.all(judged.map((j) => (j.candidate.block && j.candidate.hasCode ? memo.observe(j.candidate.text, j.candidate.block) : undefined)));
  costs.expertMs += performance.now() - t0;
  const observed = judged.map((j, k) => ({ observations: seen[k]?.outcomes, calls: seen[k] && JSON.stringify(seen[k]!.calls) }));
  const crashes = countCrashes(observed);
  judged.forEach((j, k) => {
    const s = seen[k];
    if (!s) return;
    j.candidate.observations = s.outcomes;
    j.candidate.signature = JSON.stringify(s.outcomes);
    j.candidate.crashes = crashes[k];
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
  const maxSamples = Math.max(samples, options.maxSamples ?? 2 * samples);
  const sampling: SamplingOptions = { temperature: DEFAULT_CANDIDATE_TEMPERATURE, minP: DEFAULT_CANDIDATE_MIN_P, ...options.sampling };
  const agreement = (options.agreement ?? true) && samples > 0 && hasProbeExamples(req);
  const costs: Costs = { generatedTokens: 0, expertCalls: 0, decodeMs: 0, expertMs: 0 };
  const memo = new JudgementMemo(experts, req, costs);
  const greedyPlan = [{ greedy: true, sampling: { temperature: 0 } }];
  const sampledPlan = (n: number) => Array.from({ length: n }, () => ({ greedy: false, sampling }));
  const adaptive = options.adaptive ?? true;
  let judged: Judged[];
  if (adaptive && !agreement) {
    judged = await decodeCandidates(model, root, experts, memo, req, greedyPlan, 0, costs);
  } else {
    judged = await decodeCandidates(model, root, experts, memo, req, [...greedyPlan, ...sampledPlan(samples)], 0, costs);
  }
  // More samples while none passes (adaptive only), up to maxSamples in all.
  while (adaptive && !judged.some((j) => passesVisible(j.candidate)) && judged.length - 1 < maxSamples && samples > 0) {
    const n = Math.min(samples, maxSamples - (judged.length - 1));
    judged = judged.concat(await decodeCandidates(model, root, experts, memo, req, sampledPlan(n), judged.length, costs));
  }
  if (agreement) await observeCandidates(memo, judged, costs);
  const candidates = judged.map((j) => j.candidate);
  agreeing(candidates).forEach((n, i) => (candidates[i].agreeing = n));
  const chosen = selectCandidate(candidates);
  for (const [k, j] of judged.entries()) if (k !== chosen) j.session.dispose();
  return { candidates, chosen, session: judged[chosen].session, ...costs };
}
