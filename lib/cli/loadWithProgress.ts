import { loadModel } from '../runtime/loadModel';
import { resolveModelPath } from '../runtime/modelPaths';
import type { Model } from '../runtime/Model';
import { progressBar } from './progress';

/** Resolves a model name or path (fetching a named model on first use) and loads it with a progress bar. */
export async function loadWithProgress(nameOrPath: string | undefined, quiet = false): Promise<Model> {
  const path = await resolveModelPath(nameOrPath ?? 'default');
  const bar = quiet ? undefined : progressBar('loading model');
  return loadModel(path, { onProgress: (phase, fraction) => bar?.(fraction, phase) });
}
