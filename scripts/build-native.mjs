#!/usr/bin/env node
// Builds the addon from source with cmake-js (Release). Needs MLX: the pinned wheel
// is installed into .mlx/ first unless MLX_DIR points at another MLX.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupMlx } from './setup-mlx.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export async function buildNative() {
  const mlxDir = await setupMlx({ quiet: true });
  const addonApi = dirname(require.resolve('node-addon-api/package.json'));
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const args = [cmakeJs, 'compile', '--config', 'Release', `--CDNODE_ADDON_API_DIR=${addonApi}`, `--CDMLX_DIR=${mlxDir}`];
  if (process.env.CMAKE_BUILD_PARALLEL_LEVEL === undefined) process.env.CMAKE_BUILD_PARALLEL_LEVEL = '2';
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`cmake-js failed with exit code ${r.status}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildNative().catch((e) => { console.error(`[build] ${e.message}`); process.exit(1); });
}
