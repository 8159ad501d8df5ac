#!/usr/bin/env node
// npm "install" hook. A prebuilt binary for this platform (prebuilds/) is used as
// is; otherwise the addon is built from source (pinned MLX wheel + cmake-js).
// As a dependency under npm 11 this only runs if the user approved scripts; the
// prebuilt binary needs no script at all.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function loads() {
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false; // no usable binary yet: build one below
  }
}

/**
 * What a build from source needs besides npm's own packages, each with one line that says
 * what to install: cmake 3.24+, a C++20 compiler, and Python 3 with pip (it fetches the
 * pinned MLX wheel). MLX_DIR replaces pip.
 */
function checkBuildTools() {
  const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' });
  const missing = [];
  const cmake = run('cmake', ['--version']);
  const version = /cmake version (\d+)\.(\d+)/.exec(cmake.stdout ?? '');
  if (cmake.error || !version) missing.push('cmake >= 3.24 (apt-get install cmake, brew install cmake)');
  else if (Number(version[1]) * 100 + Number(version[2]) < 324) missing.push(`cmake >= 3.24 (found ${version[1]}.${version[2]})`);
  const cxx = process.env.CXX ?? (process.platform === 'darwin' ? 'clang++' : 'c++');
  const compiles = spawnSync(cxx, ['-std=c++20', '-x', 'c++', '-fsyntax-only', '-'], { input: '#include <span>\nint main() {}\n', encoding: 'utf8' });
  if (compiles.error || compiles.status !== 0) missing.push(`a C++20 compiler as ${cxx} (apt-get install g++, Xcode command line tools; or set CXX)`);
  if (!process.env.MLX_DIR) {
    const python = process.env.PYTHON ?? 'python3';
    const pip = run(python, ['-m', 'pip', '--version']);
    if (pip.error || pip.status !== 0) missing.push(`Python 3 with pip as ${python} (apt-get install python3-pip; or set PYTHON, or MLX_DIR to an MLX build)`);
  }
  return missing;
}

if (process.env.COMPILER_EXPERT_SKIP_BUILD) {
  console.error('[install] COMPILER_EXPERT_SKIP_BUILD set: not building the native addon');
} else if (existsSync(join(root, 'prebuilds')) && loads()) {
  console.error('[install] using the prebuilt native addon');
} else {
  const missing = checkBuildTools();
  if (missing.length) {
    console.error(`[install] no prebuilt native addon for ${process.platform}-${process.arch}, and building it from source needs:\n` +
      missing.map((m) => `  - ${m}`).join('\n') +
      '\nInstall those and run `npm rebuild compiler-expert`, or set COMPILER_EXPERT_SKIP_BUILD=1 to skip.');
    process.exit(1);
  }
  const { buildNative } = await import('./build-native.mjs');
  try {
    await buildNative();
  } catch (e) {
    console.error(`[install] building the native addon failed: ${e.message}\n` +
      'It needs cmake (>= 3.24), a C++20 compiler and Python 3 with pip (to fetch the pinned MLX wheel).\n' +
      'Set MLX_DIR to use an MLX you built, or COMPILER_EXPERT_SKIP_BUILD=1 to skip.');
    process.exit(1);
  }
}
