#!/usr/bin/env node
// Makes the prebuilt binary for the current platform (layout: prebuild-layout.mjs).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative } from './build-native.mjs';
import { layoutPrebuild } from './prebuild-layout.mjs';
import { MLX_PREFIX } from './setup-mlx.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await buildNative();
if (process.env.MLX_DIR) console.error('[prebuild] MLX_DIR is set: the prebuild links that MLX and does not bundle it');
const { dest, metallib } = layoutPrebuild({
  root,
  platform: process.platform,
  arch: process.arch,
  addon: join(root, 'build', 'Release', 'compiler_expert.node'),
  mlxPrefix: process.env.MLX_DIR ? undefined : MLX_PREFIX,
});
if (metallib) console.error('[prebuild] bundled mlx.metallib');
console.error(`[prebuild] ${dest}`);
