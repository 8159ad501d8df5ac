#!/usr/bin/env node
// npm "install" hook. A prebuilt binary for this platform (prebuilds/) is used as
// is; otherwise the addon is built from source (pinned MLX wheel + cmake-js).
// As a dependency under npm 11 this only runs if the user approved scripts; the
// prebuilt binary needs no script at all.
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

if (process.env.COMPILER_EXPERT_SKIP_BUILD) {
  console.error('[install] COMPILER_EXPERT_SKIP_BUILD set: not building the native addon');
} else if (existsSync(join(root, 'prebuilds')) && loads()) {
  console.error('[install] using the prebuilt native addon');
} else {
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
