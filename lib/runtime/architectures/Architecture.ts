import type { GgufFile } from '../gguf/GgufFile';
import type { NativeModelConfig } from '../native';

/** Hugging Face config.json, as far as we read it. */
export type HfConfig = Record<string, unknown>;

/**
 * One supported architecture: how its metadata becomes the native config, and how
 * its Hugging Face tensor names map to the GGUF-style names the native runtime uses.
 * A new architecture is one file implementing this, plus one line in the registry.
 */
export interface Architecture {
  /** GGUF `general.architecture` / HF `model_type` values this file handles. */
  readonly names: readonly string[];
  fromGguf(file: GgufFile): NativeModelConfig;
  fromHfConfig(config: HfConfig, path: string): NativeModelConfig;
  /** HF tensor name → native name, or undefined for tensors we do not use. */
  mapHfTensor(name: string): string | undefined;
}
