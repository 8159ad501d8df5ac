import { spawn } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from './native';

/**
 * Runs one of the package's fetch scripts (scripts/NAME) in a child Node process, its
 * progress going to our stderr. Resolves with the exit code.
 */
export function runPackageScript(script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'scripts', script), ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...env },
    });
    child.on('error', reject);
    child.on('exit', resolve);
  });
}
