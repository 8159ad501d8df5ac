import type { Architecture } from './Architecture';
import { configFromGguf, configFromHf, mapHfTensor } from './llamaFamily';

/**
 * Llama and its relatives with the same block (SmolLM2, Mistral-style GQA).
 * llama.cpp's converter permutes Q/K rows for Llama so rotary pairs are adjacent,
 * hence the "traditional" RoPE for GGUF files only.
 */
export const llama: Architecture = {
  names: ['llama', 'mistral'],
  fromGguf: (f) => configFromGguf(f, 'llama', true),
  fromHfConfig: (cfg, path) => configFromHf(cfg, 'llama', path),
  mapHfTensor,
};
