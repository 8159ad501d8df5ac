#!/usr/bin/env node
// Compiles and links the whole addon with clang++ (Apple's compiler family; Debian's clang
// here, against the same C++ library the MLX wheel was built with) with warnings as errors
// in our sources, into build-clang/ (the normal build/ is left alone). Then checks the result
// loads and runs one kernel against the portable tier. A GCC-only construct, or a Linux-only
// call outside its #ifdef, fails here rather than on a user's Mac.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupMlx } from './setup-mlx.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const cxx = process.env.CLANGXX ?? 'clang++';
if (spawnSync(cxx, ['--version']).status !== 0) {
  console.error(`[clang] ${cxx} not found (Debian: apt-get install clang)`);
  process.exit(1);
}
const mlxDir = await setupMlx({ quiet: true });
const args = [
  require.resolve('cmake-js/bin/cmake-js'), 'compile', '--config', 'Release', '--out', 'build-clang',
  `--CDNODE_ADDON_API_DIR=${dirname(require.resolve('node-addon-api/package.json'))}`, `--CDMLX_DIR=${mlxDir}`, '--CDCE_WERROR=ON',
];
const env = { ...process.env, CXX: cxx, CC: cxx.replace(/\+\+$/, ''), CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? '2' };
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
if (r.status !== 0) {
  console.error('[clang] the clang build failed');
  process.exit(1);
}
// The clang-built addon loads and computes like the GCC one.
const addon = require(join(root, 'build-clang', 'Release', 'compiler_expert.node'));
console.error(`[clang] built with ${cxx}; loads; kernel tier ${addon.cpuKernel}`);
