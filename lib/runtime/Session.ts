/**
 * One conversation's token sequence and KV cache on a loaded model. Operations run
 * off the JS thread, one at a time per session, in the order they were called.
 */
import { AbortError, DisposedError, InvalidArgumentError, fromNative } from '../errors';
import type { NativeSession } from './native';
import type { Tokenizer } from './tokenizer/Tokenizer';

/** How the next token is chosen. The defaults give greedy decoding. */
export interface SamplingOptions {
  /** Softmax temperature; 0 picks the most likely token. Defaults to 0. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 keeps all. Defaults to 0. */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p. Defaults to 1. */
  topP?: number;
  /** Reseeds the session's generator before this step (reproducible sampling). */
  seed?: number;
}

export interface StepOptions {
  sampling?: SamplingOptions;
  /** Layers whose hidden state at the new token is returned (0 = embeddings, n = block n). */
  captureLayers?: readonly number[];
}

export interface StepResult {
  token: number;
  /** One Float32Array of `hiddenSize` per entry of `captureLayers`, when asked. */
  hidden?: Float32Array[];
}

export interface GenerateOptions extends StepOptions {
  /** Stop after this many new tokens. Defaults to {@link DEFAULT_MAX_TOKENS}. */
  maxTokens?: number;
  /** Token ids that end generation (not emitted). Defaults to the model's end-of-turn ids. */
  stopTokens?: readonly number[];
  /** Strings that end generation once they appear in the text (emitted up to and including the match). */
  stopStrings?: readonly string[];
  signal?: AbortSignal;
}

export const DEFAULT_MAX_TOKENS = 256;

/** A generated token with the text it completed (may be '' mid-character). */
export interface GeneratedToken {
  token: number;
  text: string;
  hidden?: Float32Array[];
}

export type StopReason = 'stop_token' | 'stop_string' | 'max_tokens' | 'context_full';

export interface GenerationSummary {
  reason: StopReason;
  tokens: number[];
  text: string;
}

export class Session {
  private queue: Promise<unknown> = Promise.resolve();
  private native: NativeSession | undefined;
  private readonly history: number[] = [];

  /** @internal created by Model.createSession */
  constructor(
    native: NativeSession,
    private readonly tokenizer: Tokenizer,
    /** Maximum number of tokens this session can hold. */
    readonly contextLength: number,
    private readonly hiddenSize: number,
    private readonly onDispose: (s: Session) => void,
  ) {
    this.native = native;
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
    const result = this.queue.then(() => {
      if (!this.native) throw new DisposedError('session');
      return op(this.native).catch((err) => {
        throw fromNative(err);
      });
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Appends a prompt to the cache (computes only these tokens). */
  prefill(tokens: ArrayLike<number>): Promise<void> {
    const ids = Int32Array.from(tokens);
    if (ids.length === 0) return Promise.reject(new InvalidArgumentError('prefill needs at least one token'));
    return this.run(async (n) => {
      await n.append(ids);
      this.history.push(...ids);
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
      const r = await n.step(
        { temperature: sampling.temperature ?? 0, topK: sampling.topK ?? 0, topP: sampling.topP ?? 1 },
        layers,
        sampling.seed,
      );
      this.history.push(r.token);
      const out: StepResult = { token: r.token };
      if (layers && r.hidden) {
        out.hidden = Array.from(layers, (_, i) => r.hidden!.slice(i * this.hiddenSize, (i + 1) * this.hiddenSize));
      }
      return out;
    });
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
    const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
    const stopTokens = new Set(options.stopTokens ?? this.tokenizer.special.stop);
    const stopStrings = options.stopStrings ?? [];
    const decoder = this.tokenizer.createStreamDecoder();
    const tokens: number[] = [];
    let text = '';
    let reason: StopReason = 'max_tokens';
    while (tokens.length < maxTokens) {
      if (options.signal?.aborted) throw new AbortError();
      if (this.length >= this.contextLength) {
        reason = 'context_full';
        break;
      }
      const r = await this.step(options);
      if (stopTokens.has(r.token)) {
        reason = 'stop_token';
        break;
      }
      tokens.push(r.token);
      const piece = decoder.push(r.token);
      text += piece;
      yield { token: r.token, text: piece, hidden: r.hidden };
      if (stopStrings.some((s) => text.includes(s))) {
        reason = 'stop_string';
        break;
      }
    }
    text += decoder.flush();
    return { reason, tokens, text };
  }

  /** Frees the KV cache. Idempotent; later calls throw DisposedError. */
  dispose(): void {
    if (!this.native) return;
    this.native.dispose();
    this.native = undefined;
    this.onDispose(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
}
