/**
 * Folders of the package, in one place. Each can be moved with an environment variable
 * (a read-only install, an Electron app that keeps data in its userData folder).
 */
import * as path from 'node:path';

/** Package root (this file is lib/paths.ts or dist/paths.js). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..');

/** Models folder: COMPILER_EXPERT_MODELS, else `<package>/models`. */
export const MODELS_DIR = process.env.COMPILER_EXPERT_MODELS ?? path.join(PACKAGE_ROOT, 'models');

/**
 * Files the package can rebuild but would rather not (the Python interpreter's boot
 * snapshot): COMPILER_EXPERT_CACHE, else `cache` in the models folder.
 */
export const CACHE_DIR = process.env.COMPILER_EXPERT_CACHE ?? path.join(MODELS_DIR, 'cache');
