import type { Architecture } from './Architecture';

/**
 * Qwen2 / Qwen2.5 (incl. Qwen2.5-Coder): the Llama block plus biases on Q, K and V
 * (picked up from the tensors), split-halves RoPE in both GGUF and HF form.
 */
export const qwen2: Architecture = {
  names: ['qwen2'],
  ggufRopeTraditional: false,
  qkNorm: false,
  preTokenizers: { 'qwen2': 'qwen2', 'deepseek-r1-qwen': 'qwen2' },
};
