#!/usr/bin/env node
// Sandbox speed: cold start, warm-run latency (p50/p99) per language, and throughput with
// concurrent runs. Usage: node scripts/bench-sandbox.mjs [--runs N] [--out FILE]
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { Sandbox } = require('../dist/sandbox/index.js');

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const RUNS = Number(opt('--runs', 40));
const OUT = opt('--out', undefined);
const SETTLE_MS = 6000;

const PROGRAMS = {
  javascript: { code: 'function sort(a) { return [...a].sort((x, y) => x - y); }\nconsole.log(sort([3, 1, 2]));', tests: ['assert.deepEqual(sort([3, 1, 2]), [1, 2, 3])'] },
  typescript: { code: 'function sort(a: number[]): number[] { return [...a].sort((x, y) => x - y); }\nconsole.log(sort([3, 1, 2]));', tests: ['assert.deepEqual(sort([3, 1, 2]), [1, 2, 3])'] },
  python: { code: 'def sort(lst):\n    return sorted(lst)\nprint(sort([3, 1, 2]))', tests: ['assert sort([3,1,2]) == [1,2,3]'] },
};

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Milliseconds from Sandbox.create to the first Python result, in a sandbox of its own. */
async function firstPython(cacheDir) {
  const t0 = performance.now();
  const sandbox = await Sandbox.create({ cacheDir, warm: ['python'] });
  const r = await sandbox.run({ language: 'python', ...PROGRAMS.python });
  await sandbox.dispose();
  if (r.status !== 'ok') throw new Error(`python: ${JSON.stringify(r)}`);
  return performance.now() - t0;
}

async function main() {
  const results = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, cold: {}, warm: {}, throughput: {} };
  // The boot snapshot: made (no cache), then restored from a cache folder a previous sandbox wrote.
  const cache = mkdtempSync(join(tmpdir(), 'ce-bench-cache-'));
  results.cold.first_python_uncached_ms = await firstPython(false);
  await firstPython(cache);
  await sleep(2000); // the caller writes the file after the first result
  results.cold.first_python_cached_ms = await firstPython(cache);
  rmSync(cache, { recursive: true, force: true });
  let t0 = performance.now();
  const sandbox = await Sandbox.create({ warm: ['javascript', 'typescript', 'python'] });
  results.cold.createMs = performance.now() - t0;
  results.jail = sandbox.jail;
  for (const language of Object.keys(PROGRAMS)) {
    t0 = performance.now();
    const r = await sandbox.run({ language, ...PROGRAMS[language] });
    if (r.status !== 'ok') throw new Error(`${language}: ${JSON.stringify(r)}`);
    results.cold[`first_${language}_ms`] = performance.now() - t0;
  }
  // Warm means the host is idle between runs: the first runs emptied the Python pool, whose
  // refill (interpreter boots, then V8's idle-time GCs) takes the two cores for a few seconds.
  await sleep(SETTLE_MS);
  for (const language of Object.keys(PROGRAMS)) {
    const lat = [];
    for (let i = 0; i < RUNS; i++) {
      // A warm run means a warm pool: leave the host time to refill it, as between model turns.
      await sleep(language === 'python' ? 1500 : 50);
      t0 = performance.now();
      const r = await sandbox.run({ language, ...PROGRAMS[language] });
      lat.push(performance.now() - t0);
      if (r.status !== 'ok') throw new Error(`${language}: ${JSON.stringify(r)}`);
    }
    results.warm[language] = { p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), runs: RUNS, settleMs: SETTLE_MS };
  }
  for (const language of Object.keys(PROGRAMS)) {
    const n = language === 'python' ? 12 : 100;
    t0 = performance.now();
    await Promise.all(Array.from({ length: n }, () => sandbox.run({ language, ...PROGRAMS[language] })));
    results.throughput[language] = { runsPerSecond: n / ((performance.now() - t0) / 1000), runs: n };
  }
  // A burst of 12 Python runs is mostly the pool's start; 48 shows the rate it keeps up.
  await sleep(3000);
  t0 = performance.now();
  await Promise.all(Array.from({ length: 48 }, () => sandbox.run({ language: 'python', ...PROGRAMS.python })));
  results.throughput.python_sustained = { runsPerSecond: 48 / ((performance.now() - t0) / 1000), runs: 48 };
  await sandbox.dispose();
  const f = (x) => x.toFixed(1).padStart(8);
  console.log(`sandbox bench (${results.machine.cpus} cpus, node ${results.machine.node}, jail ${results.jail.launcher})`);
  console.log(`cold: Sandbox.create ${results.cold.createMs.toFixed(0)} ms; first run js ${results.cold.first_javascript_ms.toFixed(0)} ms, ts ${results.cold.first_typescript_ms.toFixed(0)} ms, python ${results.cold.first_python_ms.toFixed(0)} ms`);
  console.log(`cold, create to first Python result in a fresh sandbox: snapshot made ${results.cold.first_python_uncached_ms.toFixed(0)} ms, restored from the cache ${results.cold.first_python_cached_ms.toFixed(0)} ms`);
  console.log('language      p50 ms   p99 ms   runs/s (concurrent)');
  for (const language of Object.keys(PROGRAMS)) {
    console.log(`${language.padEnd(11)}${f(results.warm[language].p50Ms)} ${f(results.warm[language].p99Ms)} ${f(results.throughput[language].runsPerSecond)}`);
  }
  console.log(`python, 48 runs at once: ${results.throughput.python_sustained.runsPerSecond.toFixed(1)} runs/s`);
  if (OUT) writeFileSync(OUT, JSON.stringify(results, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
