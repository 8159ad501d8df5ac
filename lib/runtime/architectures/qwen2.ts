import type { Architecture } from './Architecture';
import { configFromGguf, configFromHf, mapHfTensor } from './llamaFamily';

/**
 * Qwen2 / Qwen2.5 (incl. Qwen2.5-Coder): the Llama block plus biases on Q, K and V
 * (picked up from the tensors), split-halves RoPE in both GGUF and HF form.
 */
export const qwen2: Architecture = {
  names: ['qwen2'],
  fromGguf: (f) => configFromGguf(f, 'qwen2', false),
  fromHfConfig: (cfg, path) => configFromHf(cfg, 'qwen2', path),
  mapHfTensor,
};
