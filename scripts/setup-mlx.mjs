#!/usr/bin/env node
// Installs the pinned MLX backend wheel into <repo>/.mlx so CMake can find it with
// find_package(MLX CONFIG). MLX_DIR (a folder holding MLXConfig.cmake, e.g. from
// Homebrew or your own build) skips this entirely.
import { existsSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MLX_VERSION, MLX_WHEELS } from './pins.mjs';
import { extractWheel, fetchWheel } from './lib/registry.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MLX_PREFIX = join(root, '.mlx');

export async function setupMlx({ quiet = false } = {}) {
  if (process.env.MLX_DIR) {
    if (!quiet) console.error(`[setup] using MLX from MLX_DIR=${process.env.MLX_DIR}`);
    return process.env.MLX_DIR;
  }
  const key = `${process.platform}-${process.arch}`;
  const pin = MLX_WHEELS[key];
  if (!pin) throw new Error(`no pinned MLX wheel for ${key}; build MLX yourself and set MLX_DIR to its share/cmake/MLX folder`);
  const stamp = join(MLX_PREFIX, 'INSTALLED');
  const cmakeDir = join(MLX_PREFIX, 'mlx', 'share', 'cmake', 'MLX');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === pin.sha256 && existsSync(cmakeDir)) {
    if (!quiet) console.error(`[setup] MLX ${MLX_VERSION} (${pin.package}) already in ${MLX_PREFIX}`);
    return cmakeDir;
  }
  rmSync(join(MLX_PREFIX, 'mlx'), { recursive: true, force: true });
  const wheel = await fetchWheel({ ...pin, version: MLX_VERSION }, join(MLX_PREFIX, 'wheels'));
  extractWheel(wheel, MLX_PREFIX);
  writeFileSync(stamp, pin.sha256 + '\n');
  console.error(`[setup] MLX ${MLX_VERSION} (${pin.package}) installed in ${MLX_PREFIX}`);
  return cmakeDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  setupMlx().catch((e) => { console.error(`[setup] ${e.message}`); process.exit(1); });
}
