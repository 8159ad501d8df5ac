#!/usr/bin/env node
// Makes the prebuilt binary for the current platform: prebuilds/<platform>-<arch>/
// holds node.napi.node (found by node-gyp-build) and the MLX runtime it links,
// laid out as in the wheel so both rpaths resolve ($ORIGIN/mlx/lib for the addon,
// $ORIGIN/../../<backend>.libs for libmlx's own BLAS/LAPACK).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative } from './build-native.mjs';
import { MLX_PREFIX } from './setup-mlx.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await buildNative();
const dest = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
rmSync(dest, { recursive: true, force: true });
mkdirSync(join(dest, 'mlx'), { recursive: true });
cpSync(join(root, 'build', 'Release', 'compiler_expert.node'), join(dest, 'node.napi.node'));
if (process.env.MLX_DIR) {
  console.error('[prebuild] MLX_DIR is set: the prebuild links that MLX and does not bundle it');
} else {
  cpSync(join(MLX_PREFIX, 'mlx', 'lib'), join(dest, 'mlx', 'lib'), { recursive: true });
  for (const d of readdirSync(MLX_PREFIX).filter((f) => f.endsWith('.libs'))) cpSync(join(MLX_PREFIX, d), join(dest, d), { recursive: true });
  // Metal builds ship mlx.metallib next to libmlx; keep it there.
  if (existsSync(join(MLX_PREFIX, 'mlx', 'lib', 'mlx.metallib'))) console.error('[prebuild] bundled mlx.metallib');
}
console.error(`[prebuild] ${dest}`);
