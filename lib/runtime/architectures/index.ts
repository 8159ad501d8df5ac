import type { Architecture } from './Architecture';
import { llama } from './llama';
import { qwen2 } from './qwen2';

export type { Architecture, HfConfig } from './Architecture';

/** Every architecture the runtime can run. */
export const ARCHITECTURES: readonly Architecture[] = [llama, qwen2];

export function findArchitecture(name: string): Architecture | undefined {
  return ARCHITECTURES.find((a) => a.names.includes(name));
}
