import type { Architecture } from './Architecture';
import { llama } from './llama';
import { qwen2 } from './qwen2';
import { qwen3 } from './qwen3';

export type { Architecture, HfConfig } from './Architecture';
export { configFromGguf, configFromHf, mapHfTensor } from './llamaFamily';

/** Every architecture the runtime can run. */
export const ARCHITECTURES: readonly Architecture[] = [llama, qwen2, qwen3];

export function findArchitecture(name: string): Architecture | undefined {
  return ARCHITECTURES.find((a) => a.names.includes(name));
}

/** The names of every supported architecture, for error messages. */
export function supportedArchitectures(): string {
  return ARCHITECTURES.map((a) => a.names.join('/')).join(', ');
}
