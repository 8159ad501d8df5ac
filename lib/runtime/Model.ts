/**
 * A loaded model: weights in native memory, its tokenizer and chat template.
 * Create with {@link loadModel}; it creates Sessions (any number, sharing weights).
 */
import { DisposedError, InvalidArgumentError, fromNative } from '../errors';
import type { ChatMessage, ChatTemplate, RenderOptions } from './ChatTemplate';
import type { NativeModel, NativeModelConfig } from './native';
import { Session } from './Session';
import type { Tokenizer } from './tokenizer/Tokenizer';

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
}

export interface SessionOptions {
  /** Maximum tokens the session can hold. Defaults to min(model context, {@link DEFAULT_CONTEXT_LENGTH}). */
  contextLength?: number;
  /** Seed of the session's sampler. Defaults to 0. */
  seed?: number;
}

export const DEFAULT_CONTEXT_LENGTH = 4096;

export class Model {
  private native: NativeModel | undefined;
  private readonly sessions = new Set<Session>();

  /** @internal use loadModel() */
  constructor(
    native: NativeModel,
    readonly info: ModelInfo,
    readonly config: NativeModelConfig,
    readonly tokenizer: Tokenizer,
    readonly chatTemplate: ChatTemplate,
  ) {
    this.native = native;
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
    const s = new Session(native, this.tokenizer, contextLength, this.info.hiddenSize, (x) => this.sessions.delete(x));
    this.sessions.add(s);
    return s;
  }

  /** Renders a conversation with the model's chat template. */
  renderChat(messages: ChatMessage[], options?: RenderOptions): string {
    return this.chatTemplate.render(messages, options);
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
