import type { PreSplit } from '../tokenizer/preSplits';

/** Hugging Face config.json, as far as we read it. */
export type HfConfig = Record<string, unknown>;

/**
 * Everything the runtime knows of one architecture, in one place: its names, how its
 * GGUF files lay out rotary pairs, the parts its block adds to the Llama block (the
 * native layers read these flags; see native/models/transformer.h), its Hugging Face
 * tensor names beyond the shared ones, and the pre-tokenizer splits its GGUF files name.
 * The shared reading of metadata and tensor names is in llamaFamily.ts. A new
 * architecture of this family is one file with this description, plus one line in the
 * registry (index.ts).
 */
export interface Architecture {
  /** GGUF `general.architecture` / HF `model_type` values this description handles. */
  readonly names: readonly string[];
  /**
   * Whether GGUF files pair rotary dimensions adjacently: llama.cpp's converter permutes
   * Llama's Q/K rows that way. Hugging Face checkpoints always split halves.
   */
  readonly ggufRopeTraditional: boolean;
  /**
   * Per-head RMSNorm of queries and keys before the rotary embedding (Qwen3):
   * tensors `attn_q_norm` and `attn_k_norm` of head_dim values. Q/K/V biases need no
   * flag: the native loader picks them up when the tensors are there.
   */
  readonly qkNorm: boolean;
  /** Hugging Face layer tensor stems (after `model.layers.N.`) this one adds → native names. */
  readonly hfLayerParts?: Readonly<Record<string, string>>;
  /** `tokenizer.ggml.pre` values its GGUF files use → the split each means. */
  readonly preTokenizers: Readonly<Record<string, PreSplit>>;
}
