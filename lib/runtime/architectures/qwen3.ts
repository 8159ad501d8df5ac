import type { Architecture } from './Architecture';

/**
 * Qwen3 (dense): the Llama block with a per-head RMSNorm on queries and keys before the
 * rotary embedding, no Q/K/V biases, split-halves RoPE, and a head size of its own
 * (`head_dim` / `attention.key_length`, not hidden / heads). Qwen2's tokenizer.
 */
export const qwen3: Architecture = {
  names: ['qwen3'],
  ggufRopeTraditional: false,
  qkNorm: true,
  hfLayerParts: { 'self_attn.q_norm': 'attn_q_norm', 'self_attn.k_norm': 'attn_k_norm' },
  preTokenizers: { qwen2: 'qwen2' },
};
