/**
 * Runs the model over calibration contexts and keeps the hidden state of every layer
 * at each context's last token: the trigger position, where the Generator would ask
 * the router whether to run the block.
 */
import type { Model } from '../runtime/Model';
import type { CalibrationContext } from './data/calibrationContexts';
import { FeatureSet } from './FeatureSet';

/** Options of {@link collectFeatures}. */
export interface CollectOptions {
  /** Called after each context with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Session context length. Defaults to {@link DEFAULT_COLLECT_CONTEXT_LENGTH}. */
  contextLength?: number;
}

/** Calibration chats are a few hundred tokens; a small cache keeps memory low. */
export const DEFAULT_COLLECT_CONTEXT_LENGTH = 1024;

/**
 * The text the model sees for a context: the chat template up to the assistant's turn,
 * then the assistant's text verbatim, as during generation (no end-of-turn token).
 */
export function renderContext(model: Pick<Model, 'renderChat'>, context: Pick<CalibrationContext, 'user' | 'assistant'>): string {
  return model.renderChat([{ role: 'user', content: context.user }], { addGenerationPrompt: true }) + context.assistant;
}

/** Hidden states of layers 0..numLayers at the last token of each context. */
export async function collectFeatures(model: Model, contexts: readonly CalibrationContext[], options: CollectOptions = {}): Promise<FeatureSet> {
  const numLayers = model.info.numLayers + 1;
  const hiddenSize = model.info.hiddenSize;
  const layers = Array.from({ length: numLayers }, (_, l) => l);
  const data = new Float32Array(contexts.length * numLayers * hiddenSize);
  const session = model.createSession({ contextLength: options.contextLength ?? DEFAULT_COLLECT_CONTEXT_LENGTH });
  try {
    for (let i = 0; i < contexts.length; i++) {
      const ids = await model.tokenizer.encode(renderContext(model, contexts[i]));
      await session.prefill(ids);
      const states = await session.hiddenStates(layers, [ids.length - 1]);
      for (let l = 0; l < numLayers; l++) data.set(states[l][0], (i * numLayers + l) * hiddenSize);
      // One session for all contexts: rewinding to empty is cheaper than a new cache.
      await session.rewind(ids.length);
      options.onProgress?.(i + 1, contexts.length);
    }
  } finally {
    session.dispose();
  }
  return new FeatureSet(contexts.length, numLayers, hiddenSize, data);
}
