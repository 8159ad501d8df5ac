/**
 * On-disk cache of collected features, one pair of files per model id:
 * `<dir>/<model id>.f32` (raw little-endian floats) and `<model id>.json` (shape and
 * the hash of the contexts they were collected for). A changed calibration set has a
 * different hash, so stale features are never reused.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CalibrationContext } from './data/calibrationContexts';
import { FeatureSet } from './FeatureSet';

/** Cache folder: COMPILER_EXPERT_CACHE/probe, else `~/.cache/compiler-expert/probe`. */
export const DEFAULT_FEATURE_CACHE_DIR = path.join(process.env.COMPILER_EXPERT_CACHE ?? path.join(os.homedir(), '.cache', 'compiler-expert'), 'probe');

interface CacheMeta {
  modelId: string;
  contextsHash: string;
  count: number;
  numLayers: number;
  hiddenSize: number;
}

/**
 * Bumped whenever the runtime's arithmetic changes the hidden states it returns, so
 * features cached by an older version are not reused (2: int8 activations in the
 * quantized kernels).
 */
const RUNTIME_NUMERICS = 2;

/** Hash of the contexts' text and order (and the runtime's numerics): the key features are valid for. */
export function hashContexts(contexts: readonly Pick<CalibrationContext, 'id' | 'user' | 'assistant'>[]): string {
  const h = createHash('sha256');
  h.update(`numerics ${RUNTIME_NUMERICS}\0`);
  for (const c of contexts) h.update(`${c.id}\0${c.user}\0${c.assistant}\0`);
  return h.digest('hex');
}

/** Reads and writes cached features for one model. */
export class FeatureCache {
  /** @param dir Defaults to {@link DEFAULT_FEATURE_CACHE_DIR}. */
  constructor(readonly dir: string = DEFAULT_FEATURE_CACHE_DIR) {}

  private files(modelId: string): { data: string; meta: string } {
    // Model ids are hex digests, but guard against path characters from other id schemes.
    const safe = modelId.replace(/[^A-Za-z0-9_.-]/g, '_');
    return { data: path.join(this.dir, `${safe}.f32`), meta: path.join(this.dir, `${safe}.json`) };
  }

  /** Cached features for these contexts, or undefined when absent or stale. */
  read(modelId: string, contexts: readonly CalibrationContext[]): FeatureSet | undefined {
    const f = this.files(modelId);
    if (!existsSync(f.meta) || !existsSync(f.data)) return undefined;
    const meta = JSON.parse(readFileSync(f.meta, 'utf8')) as CacheMeta;
    if (meta.modelId !== modelId || meta.contextsHash !== hashContexts(contexts) || meta.count !== contexts.length) return undefined;
    const bytes = readFileSync(f.data);
    if (bytes.byteLength !== meta.count * meta.numLayers * meta.hiddenSize * 4) return undefined;
    // Copy into an aligned buffer: a Buffer's offset into its pool need not be a multiple of 4.
    const data = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(data.buffer).set(bytes);
    return new FeatureSet(meta.count, meta.numLayers, meta.hiddenSize, data);
  }

  /** Stores features collected for these contexts. */
  write(modelId: string, contexts: readonly CalibrationContext[], features: FeatureSet): void {
    const f = this.files(modelId);
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(f.data, new Uint8Array(features.data.buffer, features.data.byteOffset, features.data.byteLength));
    const meta: CacheMeta = { modelId, contextsHash: hashContexts(contexts), count: features.count, numLayers: features.numLayers, hiddenSize: features.hiddenSize };
    writeFileSync(f.meta, `${JSON.stringify(meta, null, 2)}\n`);
  }
}
