#!/usr/bin/env node
// Speed of our runtime vs stock MLX vs llama.cpp (node-llama-cpp) on the same GGUF
// and thread count, in one run: prefill and decode tokens/s, peak RSS, and the
// memory-bandwidth bound for decode. Each engine runs in its own child process so
// peak RSS is its own. Prints a table, writes JSON (--out) and an SVG chart beside it.
//
//   npm run bench:speed -- [--model PATH|NAME] [--out FILE] [--prefill N] [--decode N] [--threads N]
//                          [--repeat N] [--stock-full]
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const flag = (k, d) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? args[i + 1] : d;
};
// Stock MLX's scalar path needs minutes for a 512-token prefill of a 1.5B model: it
// runs a shorter prompt and decode (its rows say so) unless --stock-full is given.
const STOCK_FULL = args.includes('--stock-full');
const STOCK = process.env.COMPILER_EXPERT_STOCK_MLX && !STOCK_FULL;
const PREFILL = STOCK ? Math.min(64, Number(flag('prefill', 512))) : Number(flag('prefill', 512));
const DECODE = STOCK ? Math.min(16, Number(flag('decode', 64))) : Number(flag('decode', 64));
const THREADS = Number(flag('threads', cpus().length));
const REPEAT = Number(flag('repeat', 1));

function promptIds(vocab, n) {
  // A fixed pseudo-text of ordinary ids, the same for every engine.
  return Array.from({ length: n }, (_, i) => 300 + ((i * 7919) % Math.min(20000, vocab - 300)));
}

async function runOurs(path) {
  const { loadModel, native } = require('../dist/index.js');
  native().threadCount(THREADS);
  const t0 = performance.now();
  const model = await loadModel(path);
  const loadMs = performance.now() - t0;
  const ids = promptIds(model.info.vocabSize, PREFILL);
  const s = model.createSession({ contextLength: PREFILL + DECODE + 8 });
  const warm = model.createSession({ contextLength: 64 });
  await warm.prefill(ids.slice(0, 16));
  await warm.step();
  warm.dispose();
  let t = performance.now();
  await s.prefill(ids);
  const prefillMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < DECODE; i++) await s.step();
  const decodeMs = performance.now() - t;
  return { loadMs, prefillTokens: PREFILL, decodeTokens: DECODE, prefillTps: PREFILL / (prefillMs / 1000), decodeTps: DECODE / (decodeMs / 1000), weightBytes: model.info.weightBytes, decodeBytes: model.info.decodeBytes, kernel: process.env.COMPILER_EXPERT_STOCK_MLX ? 'stock MLX' : native().cpuKernel };
}

async function runLlama(path) {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const t0 = performance.now();
  const model = await llama.loadModel({ modelPath: path });
  const loadMs = performance.now() - t0;
  const ctx = await model.createContext({ contextSize: PREFILL + DECODE + 8, threads: THREADS, batchSize: PREFILL });
  const ids = promptIds(model.tokens ? 49152 : 49152, PREFILL);
  const seq = ctx.getSequence();
  let t = performance.now();
  await seq.evaluateWithoutGeneratingNewTokens(ids);
  const prefillMs = performance.now() - t;
  let n = 0;
  t = performance.now();
  for await (const tok of seq.evaluate([ids[0]], { temperature: 0 })) {
    if (++n >= DECODE) break;
    void tok;
  }
  const decodeMs = performance.now() - t;
  return { loadMs, prefillTokens: PREFILL, decodeTokens: DECODE, prefillTps: PREFILL / (prefillMs / 1000), decodeTps: DECODE / (decodeMs / 1000), kernel: 'llama.cpp' };
}

// Streaming read bandwidth with `threads` readers at once (each compares two buffers
// far larger than the caches; best of 3 rounds), so the bound matches the thread
// count the engines use.
async function readBandwidthGBs(threads) {
  const { Worker } = await import('node:worker_threads');
  const bytes = 256 << 20;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const a = Buffer.alloc(${bytes}, 1), b = Buffer.alloc(${bytes}, 1);
    const go = new Int32Array(workerData);
    parentPort.on('message', () => {
      Atomics.wait(go, 0, 0);
      const t = performance.now();
      a.compare(b);
      parentPort.postMessage(performance.now() - t);
    });
    parentPort.postMessage('ready');`;
  const go = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: threads }, () => new Worker(code, { eval: true, workerData: go.buffer }));
  const next = (w) => new Promise((resolve) => w.once('message', resolve));
  await Promise.all(workers.map(next));
  let best = 0;
  for (let round = 0; round < 3; round++) {
    Atomics.store(go, 0, 0);
    const done = workers.map((w) => { const p = next(w); w.postMessage('run'); return p; });
    await new Promise((r) => setTimeout(r, 50));
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    const ms = Math.max(...(await Promise.all(done)));
    best = Math.max(best, (2 * bytes * threads) / (ms / 1000) / 1e9);
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return best;
}

async function child(engine, path) {
  const r = engine === 'llama.cpp' ? await runLlama(path) : await runOurs(path);
  r.peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify(r) + '\n');
}

function svg(rows, file) {
  const w = 560, barH = 22, gap = 10, left = 150;
  const max = Math.max(...rows.map((r) => r.decodeTps));
  const bars = rows.map((r, i) => {
    const y = 40 + i * (barH + gap);
    const len = ((w - left - 70) * r.decodeTps) / max;
    return `<text x="${left - 8}" y="${y + 15}" text-anchor="end" font-size="13">${r.engine}</text>` +
      `<rect x="${left}" y="${y}" width="${len.toFixed(1)}" height="${barH}" fill="${r.engine.startsWith('ours') ? '#2a7' : r.engine.startsWith('bandwidth') ? '#ccc' : '#789'}"/>` +
      `<text x="${left + len + 6}" y="${y + 15}" font-size="12">${r.decodeTps.toFixed(1)} tok/s</text>`;
  }).join('\n');
  const h = 60 + rows.length * (barH + gap);
  writeFileSync(file, `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">\n` +
    `<text x="10" y="22" font-size="15" font-weight="bold">Decode tokens/s (higher is better)</text>\n${bars}\n</svg>\n`);
}

async function main() {
  const { resolveModelPath } = require('../dist/index.js');
  const path = await resolveModelPath(flag('model', 'default'));
  const engine = flag('engine');
  if (engine) return child(engine, path);
  const engines = [['ours', {}], ['stock MLX', { COMPILER_EXPERT_STOCK_MLX: '1' }], ['llama.cpp', {}]];
  const rows = [];
  // Shared machines are noisy: with --repeat N the engines take turns N times and each
  // keeps its best speeds (and its largest peak RSS), so a burst of outside load costs
  // one engine one round rather than the comparison (stock MLX runs once).
  const runs = new Map(engines.map(([name]) => [name, []]));
  for (let round = 1; round <= REPEAT; round++) {
    for (const [name, env] of engines) {
      if (round > 1 && name === 'stock MLX') continue; // an order of magnitude behind: one round tells
      process.stderr.write(`[bench] ${name}: prefill ${PREFILL}, decode ${DECODE}, ${THREADS} threads (round ${round}/${REPEAT})…\n`);
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args, '--engine', name], { env: { ...process.env, ...env }, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr}`);
      runs.get(name).push(JSON.parse(r.stdout.trim().split('\n').at(-1)));
    }
  }
  for (const [name, list] of runs) {
    rows.push({
      engine: name,
      ...list[0],
      prefillTps: Math.max(...list.map((r) => r.prefillTps)),
      decodeTps: Math.max(...list.map((r) => r.decodeTps)),
      peakRssMb: Math.max(...list.map((r) => r.peakRssMb)),
      loadMs: Math.min(...list.map((r) => r.loadMs)),
      rounds: list,
    });
  }
  process.stderr.write(`[bench] measuring read bandwidth (${THREADS} threads)…\n`);
  const bandwidth = await readBandwidthGBs(THREADS);
  const weightBytes = rows[0].weightBytes;
  // Decode must read every weight it uses once per token; the embedding table is
  // only looked up (unless it is also the output projection).
  const decodeBytes = rows[0].decodeBytes;
  const bound = (bandwidth * 1e9) / decodeBytes;
  const ours = rows[0], llama = rows[2];
  const table = [
    '| engine | kernel | prefill tok/s | decode tok/s | peak RSS MB | load ms |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.engine} | ${r.kernel} | ${r.prefillTps.toFixed(1)} (${r.prefillTokens}) | ${r.decodeTps.toFixed(1)} (${r.decodeTokens}) | ${r.peakRssMb.toFixed(0)} | ${r.loadMs.toFixed(0)} |`),
    `| bandwidth bound | ${bandwidth.toFixed(1)} GB/s ÷ ${(decodeBytes / 1e6).toFixed(0)} MB per token | | ${bound.toFixed(1)} | | |`,
    '',
    '(token counts in brackets)',
  ].join('\n');
  const ratios = {
    decodeVsLlama: ours.decodeTps / llama.decodeTps,
    prefillVsLlama: ours.prefillTps / llama.prefillTps,
    decodeVsStock: ours.decodeTps / rows[1].decodeTps,
    decodeVsBound: ours.decodeTps / bound,
  };
  const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memGB: totalmem() / 2 ** 30, node: process.version, platform: `${process.platform}-${process.arch}` };
  console.log(table);
  console.log(`\nours/llama.cpp decode ${ratios.decodeVsLlama.toFixed(2)}x, prefill ${ratios.prefillVsLlama.toFixed(2)}x; ours/stock MLX decode ${ratios.decodeVsStock.toFixed(2)}x; ours = ${(100 * ratios.decodeVsBound).toFixed(0)}% of the bandwidth bound`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores`);
  const out = flag('out');
  if (out) {
    writeFileSync(out, JSON.stringify({ model: path, prefillTokens: PREFILL, decodeTokens: DECODE, threads: THREADS, repeat: REPEAT, machine, bandwidthGBs: bandwidth, weightBytes, decodeBytes, boundTps: bound, engines: rows, ratios }, null, 2) + '\n');
    svg([...rows, { engine: 'bandwidth bound', decodeTps: bound }], out.replace(/\.json$/, '') + '.svg');
    console.log(`wrote ${out} and its .svg chart`);
  }
}

main().catch((e) => { console.error(`[bench] ${e.message}`); process.exit(1); });
