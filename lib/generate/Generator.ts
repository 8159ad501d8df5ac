/**
 * Generation with experts in the loop. Tokens stream from the native Session; the
 * detector watches the text; when a code block closes and the router agrees, the
 * registry's expert judges it and its verdict is injected into the KV cache (only
 * the new tokens are computed), and the model carries on from there: it fixes its
 * code or builds on it. Everything is reported as a stream of typed events.
 */
import { CodeBlockDetector, type FenceCloseEvent } from '../detect/CodeBlockDetector';
import type { CodeLanguage } from '../detect/inferLanguage';
import type { ExpertRegistry } from '../experts/ExpertRegistry';
import type { ExpertVerdict } from '../experts/types';
import { AbortError, InvalidArgumentError } from '../errors';
import { HeuristicRouter } from '../routing/HeuristicRouter';
import type { Router } from '../routing/Router';
import type { ChatMessage } from '../runtime/ChatTemplate';
import type { Model } from '../runtime/Model';
import type { SamplingOptions, Session } from '../runtime/Session';
import { finalResult, type BlockSummary, type CandidateSummary, type FinishReason, type GenerationEvent, type GenerationResult } from './events';
import { frameVerdict } from './injection';
import { passesVisible, searchCandidates, type BestOfNOptions, type Candidate } from './bestOfN';

/** The generator's token budget when none is given. */
export const DEFAULT_ANSWER_MAX_TOKENS = 512;
/** Failed verdicts the model may try to fix before generation stops, when none is given. */
export const DEFAULT_MAX_ROUNDS = 3;

/**
 * How the experts take part:
 * - `repair`: the seed's loop; each failing block's verdict is injected and the model carries on.
 * - `rewind-repair`: on a failing block the cache is rewound to before the block and a short
 *   hint built from the verdict is injected instead, so the model writes the block again
 *   without its failed attempt in context (the context stays short; it cannot copy it).
 * - `best-of-n`: the greedy answer and `bestOfN.samples` sampled candidates forked from the
 *   same prefix and decoded in one batch (only when the greedy one fails a visible check if
 *   the request shows no examples); each is run against the visible checks and on probe
 *   inputs, and the one passing most with the most agreeing company is the answer (bestOfN.ts).
 * - `best-of-n+repair`: best-of-n, then the repair loop on the chosen candidate when none
 *   passed every visible check.
 */
export type Strategy = 'repair' | 'rewind-repair' | 'best-of-n' | 'best-of-n+repair';
export const STRATEGIES: readonly Strategy[] = ['repair', 'rewind-repair', 'best-of-n', 'best-of-n+repair'];
export const DEFAULT_STRATEGY: Strategy = 'repair';

/** What to generate an answer to. */
export interface GenerateRequest {
  /** The user's request. */
  prompt: string;
  /** System prompt. Defaults to the template's own default. */
  system?: string;
  /** Earlier turns of the conversation (user and assistant messages), before this prompt. */
  history?: readonly ChatMessage[];
  /** Text the assistant's turn starts with (e.g. code to review); it is judged like generated text. */
  assistantPrefix?: string;
  /** Tests to run against the code, in its language; used before any generated test. */
  tests?: readonly string[];
  /** Language to assume for untagged code. */
  language?: CodeLanguage;
}

/** Options of a {@link Generator} (and per-run overrides); every one has a default. */
export interface GeneratorOptions {
  /** Experts consulted on code blocks. Without one, generation is model-only. */
  experts?: ExpertRegistry;
  /** Consult the experts at all. Defaults to true (when `experts` is given). */
  expert?: boolean;
  /** Decides which blocks run. Defaults to a {@link HeuristicRouter}. */
  router?: Router;
  /** Budget of new tokens (generated, not injected). Defaults to {@link DEFAULT_ANSWER_MAX_TOKENS}. */
  maxTokens?: number;
  /** Failed verdicts the model may try to fix before generation stops. Defaults to {@link DEFAULT_MAX_ROUNDS}. */
  maxRounds?: number;
  /** Stop as soon as a block passes (instead of letting the model finish its turn). Defaults to false. */
  stopOnPass?: boolean;
  sampling?: SamplingOptions;
  /** Session context length. Defaults to the model's default. */
  contextLength?: number;
  signal?: AbortSignal;
  /** How the experts take part. Defaults to {@link DEFAULT_STRATEGY}. Without experts the model answers alone. */
  strategy?: Strategy;
  /** Candidates and their sampling for the best-of-n strategies. */
  bestOfN?: BestOfNOptions;
  /**
   * Inject passing verdicts too. Defaults to false: a block that passes is reported (an
   * `expert_result` event) and the model goes on with its own turn undisturbed; only failures
   * are injected. Small models read a tool turn they did not ask for as a new request and
   * wander off ("I'm sorry, but…", a re-printed block) after a pass.
   */
  injectPasses?: boolean;
  /**
   * Generate in this session instead of a new one, e.g. a {@link Chat}'s: it is rewound to
   * the longest prefix it shares with the prompt and only the rest is prefilled; it stays
   * open afterwards (the caller's to dispose), holding the prompt and what was generated in it.
   */
  session?: Session;
}

/**
 * Brings `session` to `ids` reusing what it already holds: rewinds to the longest common
 * prefix (keeping at least one token to prefill, so the last logits are fresh) and prefills
 * the rest. Returns how many tokens were reused.
 */
export async function alignSession(session: Session, ids: ArrayLike<number>, signal?: AbortSignal): Promise<number> {
  const have = session.tokens;
  const limit = Math.min(have.length, ids.length - 1);
  let shared = 0;
  while (shared < limit && have[shared] === ids[shared]) shared++;
  if (have.length > shared) await session.rewind(have.length - shared);
  await session.prefill(Array.prototype.slice.call(ids, shared) as number[], { signal });
  return shared;
}

/**
 * Generation with the experts in the loop: streams events (`run`) or returns the result
 * (`generate`), with the strategy of its options.
 */
export class Generator {
  constructor(private readonly model: Model, private readonly options: GeneratorOptions = {}) {}

  /** Streams the events of one generation; the last event is `done` with the result. */
  async *run(request: GenerateRequest, overrides: GeneratorOptions = {}): AsyncGenerator<GenerationEvent, GenerationResult> {
    const o = { ...this.options, ...overrides };
    if (typeof request.prompt !== 'string' || request.prompt.trim() === '') throw new InvalidArgumentError('prompt must be a non-empty string');
    const strategy = o.strategy ?? DEFAULT_STRATEGY;
    if (!STRATEGIES.includes(strategy)) throw new InvalidArgumentError(`unknown strategy '${strategy}' (known: ${STRATEGIES.join(', ')})`);
    const experts = o.expert === false ? undefined : o.experts;
    if ((strategy === 'best-of-n' || strategy === 'best-of-n+repair') && experts) return yield* this.search(request, o, experts, strategy);
    return yield* this.repair(request, o, strategy === 'rewind-repair');
  }

  /** The prompt as tokens: chat template, then the assistant prefix. */
  private async promptIds(request: GenerateRequest): Promise<ArrayLike<number>> {
    const messages: ChatMessage[] = [];
    if (request.system) messages.push({ role: 'system', content: request.system });
    messages.push(...(request.history ?? []));
    messages.push({ role: 'user', content: request.prompt });
    return this.model.tokenizer.encode(this.model.renderChat(messages) + (request.assistantPrefix ?? ''));
  }

  /** best-of-n (+repair): see {@link Strategy} and bestOfN.ts. */
  private async *search(request: GenerateRequest, o: GeneratorOptions, experts: ExpertRegistry, strategy: Strategy): AsyncGenerator<GenerationEvent, GenerationResult> {
    const started = performance.now();
    const { model } = this;
    const promptIds = await this.promptIds(request);
    const root = o.session ?? model.createSession({ contextLength: o.contextLength });
    let search;
    let prefillMs = 0;
    let reusedTokens = 0;
    try {
      if (o.sampling?.seed !== undefined) await root.reseed(o.sampling.seed);
      const t0 = performance.now();
      reusedTokens = await alignSession(root, promptIds, o.signal);
      prefillMs = performance.now() - t0;
      search = await searchCandidates(model, root, experts, {
        prompt: request.prompt,
        tests: request.tests,
        language: request.language,
        prefix: request.assistantPrefix ?? '',
        maxTokens: o.maxTokens ?? DEFAULT_ANSWER_MAX_TOKENS,
        stopIds: new Set(model.tokenizer.special.stop),
        signal: o.signal,
      }, o.bestOfN);
    } finally {
      if (root !== o.session) root.dispose();
    }
    const chosen = search.candidates[search.chosen];
    const repairing = strategy === 'best-of-n+repair' && !passesVisible(chosen) && chosen.block !== undefined;
    if (!repairing) search.session.dispose();
    yield { type: 'candidates', candidates: search.candidates.map(summarizeCandidate), chosen: search.chosen };
    const cost = { generatedTokens: search.generatedTokens, decodeMs: search.decodeMs, expertMs: search.expertMs };
    if (repairing) {
      // Repair the best candidate: the seed's loop, starting from its answer, in its own fork
      // (its cache already holds the prompt and the answer: only a retokenized tail is prefilled).
      const inner = this.repair({ ...request, assistantPrefix: chosen.text }, { ...o, strategy: 'repair', session: search.session });
      try {
        for (;;) {
          const r = await inner.next();
          if (r.done) return r.value;
          if (r.value.type === 'done') {
            const x = r.value.result;
            x.generatedTokens += cost.generatedTokens;
            x.timings.decodeMs += cost.decodeMs;
            x.timings.expertMs += cost.expertMs;
            x.timings.prefillMs += prefillMs;
            x.reusedTokens = reusedTokens;
            x.timings.totalMs = performance.now() - started;
            x.candidates = search.candidates.map(summarizeCandidate);
            x.expertCalls = (x.expertCalls ?? x.blocks.length) + search.expertCalls;
          }
          yield r.value;
        }
      } finally {
        search.session.dispose();
      }
    }
    const ok = passesVisible(chosen);
    const finish: FinishReason = ok ? 'passed' : chosen.finish === 'block' ? 'stop_string' : chosen.finish;
    const blocks: BlockSummary[] = chosen.block && chosen.verdict
      ? [{ index: 0, language: chosen.block.language, code: chosen.block.code, status: chosen.verdict.status, ok: chosen.verdict.ok, round: 0, expert: chosen.verdict.expert, writeMs: search.decodeMs, expertMs: search.expertMs, injectMs: 0, injectedTokens: 0 }]
      : [];
    const result: GenerationResult = {
      transcript: chosen.text,
      answer: chosen.text,
      finalCode: chosen.block && { language: chosen.block.language, code: chosen.block.code },
      blocks,
      rounds: 0,
      finish,
      promptTokens: promptIds.length,
      reusedTokens,
      generatedTokens: search.generatedTokens,
      injectedTokens: 0,
      expertCalls: search.expertCalls,
      candidates: search.candidates.map(summarizeCandidate),
      timings: { prefillMs, decodeMs: search.decodeMs, expertMs: search.expertMs, injectMs: 0, totalMs: performance.now() - started },
    };
    yield { type: 'done', result };
    return result;
  }

  /** The seed's loop: each judged block's verdict is injected and the model carries on. */
  private async *repair(request: GenerateRequest, o: GeneratorOptions, rewindFailures = false): AsyncGenerator<GenerationEvent, GenerationResult> {
    const experts = o.expert === false ? undefined : o.experts;
    const router = o.router ?? new HeuristicRouter();
    const maxTokens = o.maxTokens ?? DEFAULT_ANSWER_MAX_TOKENS;
    const maxRounds = o.maxRounds ?? DEFAULT_MAX_ROUNDS;
    const { model } = this;
    const tokenizer = model.tokenizer;
    const started = performance.now();
    const timings = { prefillMs: 0, decodeMs: 0, expertMs: 0, injectMs: 0, totalMs: 0 };

    const prefix = request.assistantPrefix ?? '';
    const promptIds = await this.promptIds(request);

    const session: Session = o.session ?? model.createSession({ contextLength: o.contextLength });
    let reusedTokens = 0;
    const blocks: BlockSummary[] = [];
    let transcript = prefix;
    let answer = prefix;
    let rounds = 0;
    let generated = 0;
    let injectedTotal = 0;
    let finish: FinishReason = 'max_tokens';
    let finalCode: GenerationResult['finalCode'];
    try {
      // The seed starts the random stream once; each step then advances it.
      if (o.sampling?.seed !== undefined) await session.reseed(o.sampling.seed);
      let t0 = performance.now();
      reusedTokens = await alignSession(session, promptIds, o.signal);
      timings.prefillMs = performance.now() - t0;
      let detector = new CodeBlockDetector();
      const pending: FenceCloseEvent[] = [];
      const collect = (events: ReturnType<CodeBlockDetector['push']>) => {
        for (const e of events) if (e.type === 'fence_close') pending.push(e);
      };
      collect(detector.push(prefix));
      const stopIds = new Set(tokenizer.special.stop);
      let decoder = tokenizer.createStreamDecoder();
      const captureLayers = router.captureLayer !== undefined ? [router.captureLayer] : undefined;
      let lastHidden: Float32Array | undefined;
      const judged = new Map<string, boolean>(); // code → passed
      let decodeMsAtLastBlock = 0;
      let turnEnded = false; // the model ended its turn right after the block being judged
      // Where each token of the current turn ends in the detector's text (which starts with
      // `base` characters not generated in this turn), so a rewind can find a block's first token.
      let marks: number[] = [];
      let base = prefix.length;
      let fed = prefix.length;

      loop: for (;;) {
        // Judge every block that closed since the last token.
        while (pending.length) {
          const block = pending.shift()!;
          finalCode = { language: block.language, code: block.code };
          const index = blocks.length;
          const route = router.route({ block, hidden: lastHidden });
          yield { type: 'code_block', block, index, route };
          if (!experts || !route.run) continue;
          // Small models often repeat a block verbatim after its verdict; judging it
          // again would loop. A repeat of judged code ends the generation.
          const seen = judged.get(block.code.trim());
          if (seen !== undefined) {
            finish = seen ? 'passed' : 'repeated';
            break loop;
          }
          const context = { text: transcript, prompt: request.prompt, tests: request.tests, language: request.language, block: { code: block.code, language: block.language, start: block.start, end: block.end } };
          const plugin = experts.select(context);
          if (!plugin) continue;
          yield { type: 'expert_start', expert: plugin.name, index };
          t0 = performance.now();
          const verdict: ExpertVerdict | undefined = await experts.execute(context, o.signal);
          const expertMs = performance.now() - t0;
          timings.expertMs += expertMs;
          if (o.signal?.aborted) throw new AbortError();
          if (!verdict) continue;
          yield { type: 'expert_result', verdict, index };
          // An expert that failed itself says nothing about the code: not injected.
          if (verdict.status === 'expert_error') continue;
          // The model had finished its answer and the code passed: nothing to correct,
          // and a tool turn it did not ask for only confuses it. Done.
          if (turnEnded && verdict.ok) {
            blocks.push({ index, language: block.language, code: block.code, status: verdict.status, ok: true, round: rounds, expert: verdict.expert, writeMs: timings.decodeMs - decodeMsAtLastBlock, expertMs, injectMs: 0, injectedTokens: 0 });
            finish = 'passed';
            break loop;
          }
          turnEnded = false;
          const writeMsSoFar = timings.decodeMs - decodeMsAtLastBlock;
          if (verdict.ok && !(o.injectPasses ?? false)) {
            // Passed mid-turn: reported, not injected; the model finishes its own turn.
            judged.set(block.code.trim(), true);
            decodeMsAtLastBlock = timings.decodeMs;
            blocks.push({ index, language: block.language, code: block.code, status: verdict.status, ok: true, round: rounds, expert: verdict.expert, writeMs: writeMsSoFar, expertMs, injectMs: 0, injectedTokens: 0 });
            if (o.stopOnPass) {
              finish = 'passed';
              break loop;
            }
            continue;
          }
          let message = verdict.text;
          const first = marks.findIndex((end) => end > block.start);
          if (rewindFailures && !verdict.ok && block.start >= base && first >= 0) {
            // rewind-repair: drop the block (from the token where its fence starts) and ask again.
            const kept = first === 0 ? base : marks[first - 1];
            const dropped = fed - kept;
            await session.rewind(marks.length - first);
            transcript = transcript.slice(0, transcript.length - dropped);
            answer = answer.slice(0, answer.length - dropped);
            message = `The code you were about to write failed:\n${verdict.text}\nWrite it again, corrected.`;
          }
          const framed = frameVerdict(model.chatTemplate, message);
          const ids = await tokenizer.encode(framed, { addBos: false });
          const lengthBefore = session.length;
          if (lengthBefore + ids.length + 16 > session.contextLength) {
            finish = 'context_full';
            break loop;
          }
          t0 = performance.now();
          await session.prefill(ids, { signal: o.signal });
          const injectMs = performance.now() - t0;
          timings.injectMs += injectMs;
          injectedTotal += ids.length;
          transcript += framed;
          answer += '\n\n';
          // The injection ends on a fresh assistant turn: decode it from a clean state.
          decoder = tokenizer.createStreamDecoder();
          yield { type: 'injected', text: framed, tokens: ids.length, lengthBefore, lengthAfter: session.length };
          judged.set(block.code.trim(), verdict.ok);
          const writeMs = timings.decodeMs - decodeMsAtLastBlock;
          decodeMsAtLastBlock = timings.decodeMs;
          blocks.push({ index, language: block.language, code: block.code, status: verdict.status, ok: verdict.ok, round: rounds, expert: verdict.expert, writeMs, expertMs, injectMs, injectedTokens: ids.length });
          if (verdict.ok) {
            if (o.stopOnPass) {
              finish = 'passed';
              break loop;
            }
          } else {
            rounds++;
            if (rounds > maxRounds) {
              finish = 'rounds_exhausted';
              break loop;
            }
            yield { type: 'round', round: rounds, reason: verdict.message };
          }
          // The model answers in a new turn: its text is watched from a clean state.
          pending.length = 0;
          detector = new CodeBlockDetector();
          marks = [];
          base = fed = 0;
        }
        if (generated >= maxTokens) {
          finish = 'max_tokens';
          break;
        }
        if (session.length >= session.contextLength) {
          finish = 'context_full';
          break;
        }
        if (o.signal?.aborted) throw new AbortError();
        t0 = performance.now();
        const step = await session.step({ sampling: o.sampling, captureLayers });
        timings.decodeMs += performance.now() - t0;
        const hiddenBefore = lastHidden;
        lastHidden = step.hidden?.[0];
        if (stopIds.has(step.token)) {
          // Models often end their turn right after a closing fence, before its line
          // ends: that block is finished too. Judge it, taking the end-of-turn token
          // back (the verdict's framing closes the turn itself), then let the model answer.
          if (experts) {
            collect(detector.push('\n'));
            if (pending.length) {
              // The router reads the block's own last token, not the end of turn.
              lastHidden = hiddenBefore;
              await session.rewind(1);
              turnEnded = true;
              continue;
            }
          }
          finish = 'stop_token';
          break;
        }
        generated++;
        const text = decoder.push(step.token);
        transcript += text;
        answer += text;
        yield { type: 'token', token: step.token, text };
        fed += text.length;
        marks.push(fed);
        collect(detector.push(text));
      }
      collect(detector.end());
    } finally {
      if (session !== o.session) session.dispose();
    }
    timings.totalMs = performance.now() - started;
    const result: GenerationResult = {
      transcript, answer, finalCode, blocks, rounds, finish,
      promptTokens: promptIds.length, reusedTokens, generatedTokens: generated, injectedTokens: injectedTotal, timings,
      expertCalls: blocks.length,
    };
    yield { type: 'done', result };
    return result;
  }

  /** Runs to the end and returns the result (events are dropped). */
  async generate(request: GenerateRequest, overrides?: GeneratorOptions): Promise<GenerationResult> {
    return finalResult(this.run(request, overrides));
  }
}

function summarizeCandidate(c: Candidate): CandidateSummary {
  return {
    index: c.index, greedy: c.greedy, text: c.text, tokens: c.tokens, finish: c.finish, hasCode: c.hasCode,
    ...(c.block && { code: c.block.code }),
    status: c.verdict?.status, visiblePassed: c.visiblePassed, visibleTotal: c.visibleTotal, generatedPassed: c.generatedPassed,
    ...(c.observations && { agreeing: c.agreeing, observations: c.observations, crashes: c.crashes }),
  };
}
