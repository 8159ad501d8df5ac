/**
 * One conversation's token sequence and KV cache on a loaded model. Operations run
 * off the JS thread, one at a time per session, in the order they were called.
 */
import { AbortError, DisposedError, InvalidArgumentError, fromNative } from '../errors';
import type { NativeSession } from './native';
import type { StreamDecoder, Tokenizer } from './tokenizer/Tokenizer';

/** How the next token is chosen. The defaults give greedy decoding. */
export interface SamplingOptions {
  /** Softmax temperature; 0 picks the most likely token. Defaults to 0. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 keeps all. Defaults to 0. */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p. Defaults to 1. */
  topP?: number;
  /** Keep tokens at least this fraction as likely as the most likely one; 0 keeps all. Defaults to 0. */
  minP?: number;
  /**
   * Seed of the random stream, applied once when a generation starts ({@link Session.generate},
   * `Generator.run`, `Model.generateBatch`); later steps advance the stream. A single
   * {@link Session.step} never reseeds (use {@link Session.reseed}). Defaults to the session's seed.
   */
  seed?: number;
}

/** Sampling options as the addon takes them, defaults filled in. */
export function nativeSampling(s: SamplingOptions = {}): { temperature: number; topK: number; topP: number; minP: number } {
  return { temperature: s.temperature ?? 0, topK: s.topK ?? 0, topP: s.topP ?? 1, minP: s.minP ?? 0 };
}

/** Options of {@link Session.fork}. */
export interface ForkOptions {
  /** Seed of the fork's random stream. Defaults to one derived from the parent's seed and the fork's index. */
  seed?: number;
}

/** Options of {@link Session.step}. */
export interface StepOptions {
  sampling?: SamplingOptions;
  /** Layers whose hidden state at the new token is returned (0 = embeddings, n = block n). */
  captureLayers?: readonly number[];
}

/** What one step produced: the token, and hidden states when layers were asked for. */
export interface StepResult {
  token: number;
  /** One Float32Array of `hiddenSize` per entry of `captureLayers`, when asked. */
  hidden?: Float32Array[];
}

/** Options of {@link Session.generate}: a step’s, plus when to stop. */
export interface GenerateOptions extends StepOptions {
  /** Stop after this many new tokens. Defaults to {@link DEFAULT_MAX_TOKENS}. */
  maxTokens?: number;
  /** Token ids that end generation (not emitted). Defaults to the model's end-of-turn ids. */
  stopTokens?: readonly number[];
  /** Strings that end generation once they appear in the text (emitted up to and including the match). */
  stopStrings?: readonly string[];
  signal?: AbortSignal;
}

/** Token budget of {@link Session.generate} when none is given. */
export const DEFAULT_MAX_TOKENS = 256;

/** Tokens per native call of an abortable prefill: an abort waits for one chunk at most. */
export const PREFILL_CHUNK = 256;

/** A generated token with the text it completed (may be '' mid-character). */
export interface GeneratedToken {
  token: number;
  text: string;
  hidden?: Float32Array[];
}

/** Why a generation ended: an end-of-turn token, a stop string, the token budget, a full context. */
export type StopReason = 'stop_token' | 'stop_string' | 'max_tokens' | 'context_full';

/** What {@link Session.generate} returns when it ends. */
export interface GenerationSummary {
  reason: StopReason;
  tokens: number[];
  text: string;
}

/** @internal What a Session needs from the Model that made it. */
export interface SessionOwner {
  readonly tokenizer: Tokenizer;
  readonly hiddenSize: number;
  /** Wraps a native session made from this one (a fork) and tracks it like its own. */
  adopt(native: NativeSession, contextLength: number, tokens: readonly number[]): Session;
  release(session: Session): void;
}

/**
 * One sequence and its KV cache: prefill, step, inject, rewind, fork, hidden states.
 * Operations on a session run one at a time, in call order, on the MLX thread.
 */
export class Session {
  private queue: Promise<unknown> = Promise.resolve();
  private native: NativeSession | undefined;
  private readonly history: number[];
  private readonly tokenizer: Tokenizer;
  private readonly hiddenSize: number;

  /** @internal created by Model.createSession and Session.fork */
  constructor(
    native: NativeSession,
    private readonly owner: SessionOwner,
    /** Maximum number of tokens this session can hold. */
    readonly contextLength: number,
    tokens: readonly number[] = [],
  ) {
    this.native = native;
    this.tokenizer = owner.tokenizer;
    this.hiddenSize = owner.hiddenSize;
    this.history = [...tokens];
  }

  /**
   * @internal Runs `op` once every session's earlier operations are done, as one operation
   * of each of them (later calls on any of them wait for it).
   */
  static runTogether<T>(sessions: readonly Session[], op: (natives: NativeSession[]) => Promise<T>): Promise<T> {
    const result = Promise.all(sessions.map((s) => s.queue)).then(() => {
      const natives = sessions.map((s) => s.native);
      if (natives.some((n) => !n)) throw new DisposedError('session');
      return op(natives as NativeSession[]).catch((err) => {
        throw fromNative(err);
      });
    });
    const settled = result.catch(() => undefined);
    for (const s of sessions) s.queue = settled;
    return result;
  }

  /** @internal records a token a batched step appended. */
  _pushToken(token: number): void {
    this.history.push(token);
  }

  /** @internal the tokenizer, for batched generation. */
  get _tokenizer(): Tokenizer {
    return this.tokenizer;
  }

  /** Tokens in the KV cache. */
  get length(): number {
    return this.history.length;
  }

  /** A copy of the token ids in the KV cache. */
  get tokens(): number[] {
    return [...this.history];
  }

  get disposed(): boolean {
    return this.native === undefined;
  }

  private run<T>(op: (n: NativeSession) => Promise<T>): Promise<T> {
    return Session.runTogether([this], ([n]) => op(n));
  }

  /**
   * A new session that starts as this one (same tokens, positions and next-token logits)
   * and is independent from then on: `step`, `inject` and `rewind` on either never touch
   * the other. The KV cache rows are copied, nothing is recomputed. Forks of forks work,
   * and disposing this session leaves its forks working.
   */
  fork(options: ForkOptions = {}): Promise<Session> {
    const { seed } = options;
    if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0)) {
      return Promise.reject(new InvalidArgumentError('seed must be a non-negative safe integer'));
    }
    return this.run(async (n) => this.owner.adopt(await n.fork(seed), this.contextLength, this.history));
  }

  /** Restarts this session's random stream from `seed`. */
  reseed(seed: number): Promise<void> {
    if (!(Number.isSafeInteger(seed) && seed >= 0)) return Promise.reject(new InvalidArgumentError('seed must be a non-negative safe integer'));
    return this.run((n) => n.reseed(seed));
  }

  /**
   * Appends a prompt to the cache (computes only these tokens). With a `signal`, the tokens
   * go in chunks of {@link PREFILL_CHUNK} and an abort between chunks rejects with AbortError;
   * the chunks already computed stay in the session (see {@link length}).
   */
  prefill(tokens: ArrayLike<number>, options: { signal?: AbortSignal } = {}): Promise<void> {
    const ids = Int32Array.from(tokens);
    if (ids.length === 0) return Promise.reject(new InvalidArgumentError('prefill needs at least one token'));
    const { signal } = options;
    const chunk = signal ? PREFILL_CHUNK : ids.length;
    return this.run(async (n) => {
      for (let at = 0; at < ids.length; at += chunk) {
        if (signal?.aborted) throw new AbortError('the prefill was aborted');
        const part = chunk === ids.length ? ids : ids.slice(at, Math.min(ids.length, at + chunk));
        await n.append(part);
        this.history.push(...part);
      }
    });
  }

  /**
   * Appends tokens mid-generation (e.g. an expert's verdict): one prefill of the new
   * tokens only, the KV cache of everything before is kept. Generation afterwards
   * equals generation from a fresh prefill of the whole sequence.
   */
  inject(tokens: ArrayLike<number>): Promise<void> {
    return this.prefill(tokens);
  }

  /** Samples the next token, appends it, and returns it (with hidden states when asked). */
  step(options: StepOptions = {}): Promise<StepResult> {
    const { sampling = {}, captureLayers } = options;
    const layers = captureLayers?.length ? Int32Array.from(captureLayers) : null;
    return this.run(async (n) => {
      const r = await n.step(nativeSampling(sampling), layers);
      this.history.push(r.token);
      return this._result(r, layers);
    });
  }

  /** @internal a native step's result with its hidden states split per layer. */
  _result(r: { token: number; hidden?: Float32Array }, layers: Int32Array | null): StepResult {
    const out: StepResult = { token: r.token };
    if (layers && r.hidden) {
      out.hidden = Array.from(layers, (_, i) => r.hidden!.slice(i * this.hiddenSize, (i + 1) * this.hiddenSize));
    }
    return out;
  }

  /** Drops the last `n` tokens from the cache. */
  rewind(n: number): Promise<void> {
    if (!Number.isInteger(n) || n < 0) return Promise.reject(new InvalidArgumentError('rewind needs a non-negative integer'));
    return this.run(async (s) => {
      await s.rewind(n);
      this.history.length -= n;
    });
  }

  /**
   * Hidden states of already-seen positions, recomputed (the cache is untouched):
   * result[i][j] is layer `layers[i]` at position `positions[j]`.
   */
  hiddenStates(layers: readonly number[], positions: readonly number[]): Promise<Float32Array[][]> {
    return this.run(async (n) => {
      const flat = await n.hiddenStates(Int32Array.from(layers), Int32Array.from(positions));
      const h = this.hiddenSize;
      return layers.map((_, i) => positions.map((_, j) => flat.slice((i * positions.length + j) * h, (i * positions.length + j + 1) * h)));
    });
  }

  /** Logits predicting the next token. */
  logits(): Promise<Float32Array> {
    return this.run((n) => n.logits());
  }

  /** Streams new tokens until a stop condition; the generator's return value summarises. */
  async *generate(options: GenerateOptions = {}): AsyncGenerator<GeneratedToken, GenerationSummary> {
    if (options.sampling?.seed !== undefined) await this.reseed(options.sampling.seed);
    const stream = new TokenStream(this, options);
    while (!stream.done) {
      if (options.signal?.aborted) throw new AbortError();
      if (stream.checkRoom()) break;
      const r = await this.step(options);
      const piece = stream.accept(r.token);
      if (piece !== undefined) yield { token: r.token, text: piece, hidden: r.hidden };
    }
    return stream.finish();
  }

  /** Frees the KV cache. Idempotent; later calls throw DisposedError. */
  dispose(): void {
    if (!this.native) return;
    this.native.dispose();
    this.native = undefined;
    this.owner.release(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
}

/**
 * @internal One sequence's stop conditions during generation (shared by
 * {@link Session.generate} and batched generation): budget, stop tokens, stop strings,
 * a full context, and the incremental detokenizer.
 */
export class TokenStream {
  private readonly maxTokens: number;
  private readonly stopTokens: Set<number>;
  private readonly stopStrings: readonly string[];
  private readonly decoder: StreamDecoder;
  private readonly tokens: number[] = [];
  private text = '';
  private reason: StopReason | undefined;

  constructor(private readonly session: Session, options: GenerateOptions) {
    this.maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.stopTokens = new Set(options.stopTokens ?? session._tokenizer.special.stop);
    this.stopStrings = options.stopStrings ?? [];
    this.decoder = session._tokenizer.createStreamDecoder();
    if (this.maxTokens <= 0) this.reason = 'max_tokens';
  }

  get done(): boolean {
    return this.reason !== undefined;
  }

  /** Ends the stream when the session has no room for another token; returns whether it did. */
  checkRoom(): boolean {
    if (!this.reason && this.session.length >= this.session.contextLength) this.reason = 'context_full';
    return this.done;
  }

  /** Takes a sampled token: its text, or undefined when it was a stop token (not emitted). */
  accept(token: number): string | undefined {
    if (this.stopTokens.has(token)) {
      this.reason = 'stop_token';
      return undefined;
    }
    this.tokens.push(token);
    const piece = this.decoder.push(token);
    this.text += piece;
    if (this.stopStrings.some((s) => this.text.includes(s))) this.reason = 'stop_string';
    else if (this.tokens.length >= this.maxTokens) this.reason = 'max_tokens';
    return piece;
  }

  finish(): GenerationSummary {
    this.text += this.decoder.flush();
    return { reason: this.reason ?? 'max_tokens', tokens: this.tokens, text: this.text };
  }
}
