import type { Architecture } from './Architecture';

/**
 * Llama and its relatives with the same block (SmolLM2, Mistral-style GQA).
 * llama.cpp's converter permutes Q/K rows for Llama so rotary pairs are adjacent,
 * hence the "traditional" RoPE for GGUF files only.
 */
export const llama: Architecture = {
  names: ['llama', 'mistral'],
  ggufRopeTraditional: true,
  qkNorm: false,
  // SmolLM2 and the StarCoder-tokenizer models: GPT-2 splits with single digits.
  preTokenizers: { smollm: 'gpt2-digits', starcoder: 'gpt2-digits', refact: 'gpt2-digits' },
};
