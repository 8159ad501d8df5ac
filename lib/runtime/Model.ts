/**
 * A loaded model: weights in native memory, its tokenizer and chat template.
 * Create with {@link loadModel}; it creates Sessions (any number, sharing weights).
 */
import { DisposedError, InvalidArgumentError, fromNative } from '../errors';
import type { ChatMessage, ChatTemplate, RenderOptions } from './ChatTemplate';
import { generateBatch, stepBatch, type BatchStepOptions, type BatchToken } from './batch';
import type { NativeModel, NativeModelConfig, NativeSession } from './native';
import { Session, type GenerateOptions, type GenerationSummary, type SessionOwner, type StepResult } from './Session';
import type { Tokenizer } from './tokenizer/Tokenizer';
import type { ModelKernels } from './loadModel';
// Chat builds on the generator, which builds on this module; Chat is only used at call time.
import { Chat, type ChatOptions } from '../generate/Chat';

/** What a loaded model is: its file, architecture, sizes, quantization and how it runs. */
export interface ModelInfo {
  path: string;
  format: 'gguf' | 'safetensors';
  /** Human-readable name from the model's metadata. */
  name: string;
  /** Stable identity of the weights: sha256 of the file's header and size (GGUF) or config + headers. */
  id: string;
  architecture: string;
  numLayers: number;
  hiddenSize: number;
  numHeads: number;
  numKvHeads: number;
  vocabSize: number;
  maxContext: number;
  /** Weight storage, e.g. `Q4_1`, `Q4_K/Q6_K`, `F32`, `mlx-4bit-g64`. */
  quantization: string;
  /** Bytes of weights held in native memory. */
  weightBytes: number;
  /** Weight bytes read per decoded token (all blocks and the output projection; not the embedding lookup). */
  decodeBytes: number;
  /**
   * Element type of the KV cache: `float16` when every layer runs on the CPU kernels (half
   * the memory: 2 bytes x 2 x layers x KV heads x head size per position), else `float32`.
   */
  kvCacheType: 'float16' | 'float32';
  /** Which code runs the layers: our CPU kernels where they apply, or stock MLX ops throughout (see {@link LoadModelOptions.kernels}). */
  kernels: ModelKernels;
}

/** Options of {@link Model.createSession}. */
export interface SessionOptions {
  /** Maximum tokens the session can hold. Defaults to min(model context, {@link DEFAULT_CONTEXT_LENGTH}). */
  contextLength?: number;
  /** Seed of the session's sampler. Defaults to 0. */
  seed?: number;
}

/** A session's context length when none is given (capped at the model's own maximum). */
export const DEFAULT_CONTEXT_LENGTH = 4096;

/**
 * A loaded model: its tokenizer, chat template and info, and a factory of sessions and chats.
 * Dispose it to free its native memory (sessions keep it alive until they are disposed too).
 */
export class Model {
  private native: NativeModel | undefined;
  private readonly sessions = new Set<Session>();
  private readonly owner: SessionOwner;

  /** @internal use loadModel() */
  constructor(
    native: NativeModel,
    readonly info: ModelInfo,
    readonly config: NativeModelConfig,
    readonly tokenizer: Tokenizer,
    readonly chatTemplate: ChatTemplate,
  ) {
    this.native = native;
    this.owner = {
      tokenizer,
      hiddenSize: info.hiddenSize,
      adopt: (n: NativeSession, contextLength: number, tokens: readonly number[]) => this.adopt(n, contextLength, tokens),
      release: (s: Session) => this.sessions.delete(s),
    };
  }

  private adopt(native: NativeSession, contextLength: number, tokens: readonly number[] = []): Session {
    if (!this.native) {
      native.dispose(); // the model went while the fork was being made
      throw new DisposedError('model');
    }
    const s = new Session(native, this.owner, contextLength, tokens);
    this.sessions.add(s);
    return s;
  }

  private nativeModel(): NativeModel {
    if (!this.native) throw new DisposedError('model');
    return this.native;
  }

  /**
   * One new token for each session, in one forward pass: each weight is read once for all
   * of them. Sessions may hold different lengths; each keeps its own cache and random
   * stream. On an error (a session of another model, a disposed or full one) no session
   * has moved and all stay usable.
   */
  stepBatch(sessions: readonly Session[], options?: BatchStepOptions): Promise<StepResult[]> {
    try {
      this.checkOwn(sessions);
      return stepBatch(this.nativeModel(), sessions, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Batched generation over `sessions`: see {@link generateBatch} in batch.ts. */
  generateBatch(sessions: readonly Session[], options?: GenerateOptions | GenerateOptions[]): AsyncGenerator<BatchToken, GenerationSummary[]> {
    this.checkOwn(sessions);
    return generateBatch(this.nativeModel(), sessions, options);
  }

  private checkOwn(sessions: readonly Session[]): void {
    if (!Array.isArray(sessions)) throw new InvalidArgumentError('sessions must be an array');
    for (const [i, s] of sessions.entries()) {
      if (!(s instanceof Session)) throw new InvalidArgumentError(`sessions[${i}] is not a Session`);
      if (s.disposed) throw new DisposedError('session');
      if (!this.sessions.has(s)) throw new InvalidArgumentError(`sessions[${i}] belongs to another model`);
    }
  }

  createSession(options: SessionOptions = {}): Session {
    if (!this.native) throw new DisposedError('model');
    const contextLength = options.contextLength ?? Math.min(this.info.maxContext, DEFAULT_CONTEXT_LENGTH);
    if (!Number.isInteger(contextLength) || contextLength < 1 || contextLength > this.info.maxContext) {
      throw new InvalidArgumentError(`contextLength must be an integer in 1..${this.info.maxContext}`);
    }
    let native;
    try {
      native = this.native.createSession(contextLength, options.seed ?? 0);
    } catch (err) {
      throw fromNative(err);
    }
    return this.adopt(native, contextLength);
  }

  /**
   * A conversation with this model (and the experts in `options`): each `send` streams the
   * generator's events and reuses the conversation's cached prefix. See {@link Chat}.
   */
  createChat(options?: ChatOptions): Chat {
    if (!this.native) throw new DisposedError('model');
    return new Chat(this, options);
  }

  /** Renders a conversation with the model's chat template. */
  renderChat(messages: ChatMessage[], options?: RenderOptions): string {
    return this.chatTemplate.render(messages, options);
  }

  /**
   * Bytes of KV-cache buffers that disposed forks left, kept so that the next forks of the same
   * size write into them instead of into fresh pages (a 1,000-token fork of the coder model:
   * 2-5 ms instead of 16-40). At most 256 MiB, the oldest freed first; freed with the model.
   */
  get forkCacheBytes(): number {
    return this.native?.forkPoolBytes ?? 0;
  }

  get disposed(): boolean {
    return this.native === undefined;
  }

  /** Frees the weights and every session of this model. Idempotent. */
  dispose(): void {
    if (!this.native) return;
    for (const s of [...this.sessions]) s.dispose();
    this.native.dispose();
    this.native = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }
}
