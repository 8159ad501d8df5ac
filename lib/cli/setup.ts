import { native } from '../runtime/native';
import { resolveModelPath } from '../runtime/modelPaths';

/** `setup`: checks the native runtime (MLX) and fetches the default model. */
export async function setupCommand(): Promise<number> {
  const addon = native();
  process.stderr.write(`native runtime OK (MLX ${addon.mlxVersion})\n`);
  const path = await resolveModelPath('default');
  process.stderr.write(`default model: ${path}\n`);
  return 0;
}
