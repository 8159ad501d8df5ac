import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fetchModel, knownModels, MODELS_DIR } from '../runtime/modelPaths';

/** `models [list]` / `models fetch NAME`. */
export async function modelsCommand(argv: string[]): Promise<number> {
  const [verb = 'list', name] = argv;
  const models = knownModels();
  if (verb === 'list') {
    for (const [key, pin] of Object.entries(models)) {
      const file = path.join(MODELS_DIR, pin.file);
      const state = existsSync(file) ? `present (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB)` : 'not fetched';
      process.stdout.write(`${key.padEnd(10)} ${pin.file}  ${state}\n`);
    }
    process.stdout.write(`folder: ${MODELS_DIR}\n`);
    return 0;
  }
  if (verb === 'fetch' && name) {
    if (!models[name]) {
      process.stderr.write(`unknown model '${name}' (known: ${Object.keys(models).join(', ')})\n`);
      return 2;
    }
    process.stdout.write(`${await fetchModel(name)}\n`);
    return 0;
  }
  process.stderr.write('usage: compiler-expert models [list] | models fetch NAME\n');
  return 2;
}
