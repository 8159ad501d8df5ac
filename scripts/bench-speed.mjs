#!/usr/bin/env node
// Speed of our runtime vs stock MLX vs llama.cpp (node-llama-cpp) on the same GGUF
// and thread count, in one run: prefill and decode tokens/s, peak RSS, and the
// memory-bandwidth bound for decode. Each engine runs in its own child process so
// peak RSS is its own. Prints a table, writes JSON (--out) and an SVG chart beside it.
//
//   npm run bench:speed -- [--model PATH|NAME] [--out FILE] [--prefill N] [--decode N] [--threads N]
//                          [--repeat N] [--stock-full] [--batch 1,2,4,8]
//   npm run bench:speed -- --replot FILE.json   (redraws the charts of an earlier run)
//
// --batch adds aggregate decode tokens/s of N sequences decoded together (ours: forks of
// one prefix, one batched step each; llama.cpp: N sequences of one context evaluating at
// once, which node-llama-cpp batches), plus fork time and bytes for a 1,000-token prefix
// and the time to inject a 50-token verdict after it, and the arithmetic ceiling those
// stay under (the kernels' inner multiply-add step on registers alone, these threads).
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
const BATCH = flag('batch') ? flag('batch').split(',').map(Number) : null;
if (BATCH && BATCH.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--batch takes sizes like 1,2,4,8');
const BATCH_PROMPT = 64; // tokens of the shared prefix each batch starts from
const FORK_PREFIX = 1000;

function promptIds(vocab, n) {
  // A fixed pseudo-text of ordinary ids, the same for every engine.
  return Array.from({ length: n }, (_, i) => 300 + ((i * 7919) % Math.min(20000, vocab - 300)));
}

async function runOurs(path) {
  const { loadModel } = require('../dist/index.js');
  const { native } = require('../dist/runtime/native.js');
  native().threadCount(THREADS); // the pool's size; loadModel's threads caps one model below it
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

async function runOursBatch(path) {
  const { loadModel } = require('../dist/index.js');
  const { native } = require('../dist/runtime/native.js');
  native().threadCount(THREADS); // the pool's size; loadModel's threads caps one model below it
  const model = await loadModel(path);
  const ids = promptIds(model.info.vocabSize, FORK_PREFIX + 50);
  const warm = model.createSession({ contextLength: 64 });
  await warm.prefill(ids.slice(0, 16));
  await warm.step();
  warm.dispose();
  const batched = [];
  for (const n of BATCH) {
    const root = model.createSession({ contextLength: BATCH_PROMPT + DECODE + 8 });
    await root.prefill(ids.slice(0, BATCH_PROMPT));
    const forks = [];
    for (let i = 0; i < n; i++) forks.push(await root.fork());
    await model.stepBatch(forks); // first step outside the timing (allocates the batch's buffers)
    const t = performance.now();
    for (let i = 1; i < DECODE; i++) await model.stepBatch(forks);
    const ms = performance.now() - t;
    batched.push({ n, decodeTps: (n * (DECODE - 1)) / (ms / 1000) });
    for (const f of [root, ...forks]) f.dispose();
  }
  // Fork of a long prefix: the cache rows are copied (all layers, keys and values).
  const long = model.createSession({ contextLength: FORK_PREFIX + 64 });
  await long.prefill(ids.slice(0, FORK_PREFIX));
  const forkMs = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const f = await long.fork();
    forkMs.push(performance.now() - t);
    f.dispose();
  }
  const c = model.config;
  const capacity = Math.ceil(FORK_PREFIX / 256) * 256; // the cache grows in steps of 256 positions
  const forkBytes = 2 * c.numLayers * c.numKvHeads * c.headDim * (model.info.kvCacheType === 'float16' ? 2 : 4) * capacity;
  // Inject into a fork of it, five times (the median): one sample swung 460-830 ms here.
  const injectMs = [];
  for (let i = 0; i < 5; i++) {
    const f = await long.fork();
    const t = performance.now();
    await f.inject(ids.slice(FORK_PREFIX, FORK_PREFIX + 50));
    injectMs.push(performance.now() - t);
    f.dispose();
  }
  long.dispose();
  // The arithmetic these threads can do at most: the kernels' inner step on registers
  // alone. A token costs one multiply-add per weight of the layers and the output head.
  const ceiling = await native().int8MacCeiling(THREADS);
  const q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim;
  const layerMacs = c.numLayers * (c.hiddenSize * (2 * q + 2 * kv) + 3 * c.hiddenSize * c.intermediateSize), headMacs = c.vocabSize * c.hiddenSize;
  const macsPerToken = layerMacs + headMacs; // a decode step's token: the layers and its logits
  const arithmetic = {
    ceilingGmacs: ceiling.gmacs, kernel: ceiling.kernel, macsPerToken,
    boundTps: (ceiling.gmacs * 1e9) / macsPerToken,
    inject50BoundMs: ((50 * layerMacs + headMacs) / (ceiling.gmacs * 1e9)) * 1000, // logits of the last token only
  };
  // The first fork writes into fresh pages; later ones into the buffers of the fork before
  // (the model keeps dead forks' buffers): the median is what a search of several forks pays.
  return { batched, forkFirstMs: forkMs[0], forkMs: [...forkMs].sort((a, b) => a - b)[2], forkBytes, forkPrefix: FORK_PREFIX, inject50Ms: injectMs.sort((a, b) => a - b)[2], arithmetic };
}

async function runLlamaBatch(path) {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: path });
  const ids = promptIds(49152, BATCH_PROMPT);
  const batched = [];
  for (const n of BATCH) {
    const ctx = await model.createContext({ contextSize: n * (BATCH_PROMPT + DECODE + 8), sequences: n, threads: THREADS, batchSize: Math.max(BATCH_PROMPT, n) });
    const seqs = Array.from({ length: n }, () => ctx.getSequence());
    await Promise.all(seqs.map((q) => q.evaluateWithoutGeneratingNewTokens(ids)));
    // Each sequence generates DECODE tokens; the context batches the ones pending together.
    const counts = new Array(n).fill(0);
    let started = 0;
    const run = async (q, i) => {
      for await (const tok of q.evaluate([ids[0]], { temperature: 0 })) {
        void tok;
        if (++counts[i] === 1 && ++started === n) t0 = performance.now(); // time from every member's first token
        if (counts[i] >= DECODE) break;
      }
    };
    let t0 = performance.now();
    await Promise.all(seqs.map(run));
    const ms = performance.now() - t0;
    batched.push({ n, decodeTps: (n * (DECODE - 1)) / (ms / 1000) });
    await ctx.dispose();
  }
  return { batched };
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
  const run = { 'llama.cpp': runLlama, 'llama.cpp batch': runLlamaBatch, 'ours batch': runOursBatch }[engine] ?? runOurs;
  const r = await run(path);
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

// Aggregate decode tokens/s against the number of sequences, ours and llama.cpp side by side.
function batchSvg(batched, file) {
  const w = 560, h = 300, left = 60, bottom = 250, top = 80; // legend above the tallest bar
  const ns = batched.ours.map((b) => b.n);
  const max = Math.max(...batched.ours.map((b) => b.decodeTps), ...batched.llamaCpp.map((b) => b.decodeTps));
  const group = (w - left - 20) / ns.length, barW = group / 3;
  const y = (v) => bottom - ((bottom - top) * v) / max;
  const bars = ns.map((n, i) => {
    const x = left + i * group + barW / 2;
    const o = batched.ours[i].decodeTps, l = batched.llamaCpp.find((b) => b.n === n)?.decodeTps ?? 0;
    return `<rect x="${x.toFixed(1)}" y="${y(o).toFixed(1)}" width="${barW.toFixed(1)}" height="${(bottom - y(o)).toFixed(1)}" fill="#2a7"/>` +
      `<text x="${(x + barW / 2).toFixed(1)}" y="${(y(o) - 4).toFixed(1)}" font-size="11" text-anchor="middle">${o.toFixed(0)}</text>` +
      `<rect x="${(x + barW).toFixed(1)}" y="${y(l).toFixed(1)}" width="${barW.toFixed(1)}" height="${(bottom - y(l)).toFixed(1)}" fill="#789"/>` +
      `<text x="${(x + 1.5 * barW).toFixed(1)}" y="${(y(l) - 4).toFixed(1)}" font-size="11" text-anchor="middle">${l.toFixed(0)}</text>` +
      `<text x="${(x + barW).toFixed(1)}" y="${bottom + 18}" font-size="12" text-anchor="middle">N = ${n}</text>`;
  }).join('\n');
  writeFileSync(file, `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">\n` +
    `<text x="10" y="22" font-size="15" font-weight="bold">Aggregate decode tokens/s, N sequences at once</text>\n` +
    `<rect x="${w - 190}" y="30" width="12" height="12" fill="#2a7"/><text x="${w - 172}" y="40" font-size="12">ours (forks, batched step)</text>\n` +
    `<rect x="${w - 190}" y="48" width="12" height="12" fill="#789"/><text x="${w - 172}" y="58" font-size="12">llama.cpp (N sequences)</text>\n` +
    `<line x1="${left}" y1="${bottom}" x2="${w - 10}" y2="${bottom}" stroke="#333"/>\n${bars}\n</svg>\n`);
}

async function main() {
  // --replot FILE.json: redraw the charts of an earlier run from its JSON.
  const replot = flag('replot');
  if (replot) {
    const { readFileSync } = await import('node:fs');
    const r = JSON.parse(readFileSync(replot, 'utf8'));
    svg([...r.engines, { engine: 'bandwidth bound', decodeTps: r.boundTps }], replot.replace(/\.json$/, '') + '.svg');
    if (r.batched) batchSvg(r.batched, replot.replace(/\.json$/, '') + '.batch.svg');
    return;
  }
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
  let batched;
  if (BATCH) {
    const one = (name) => {
      process.stderr.write(`[bench] ${name}: N = ${BATCH.join(', ')}, decode ${DECODE} each, ${THREADS} threads…\n`);
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args, '--engine', name], { env: process.env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1));
    };
    // With --repeat N the two engines take turns N times here too, each keeping its best
    // rate per N (and the fastest fork and inject medians).
    const best = (list) => ({
      ...list[0],
      batched: list[0].batched.map(({ n }) => ({ n, decodeTps: Math.max(...list.map((r) => r.batched.find((b) => b.n === n).decodeTps)) })),
      ...(list[0].forkMs === undefined ? {} : {
        forkMs: Math.min(...list.map((r) => r.forkMs)), forkFirstMs: Math.min(...list.map((r) => r.forkFirstMs)),
        inject50Ms: Math.min(...list.map((r) => r.inject50Ms)),
      }),
    });
    const oursRuns = [], llamaRuns = [];
    for (let round = 1; round <= REPEAT; round++) {
      oursRuns.push(one('ours batch'));
      llamaRuns.push(one('llama.cpp batch'));
    }
    const ours = best(oursRuns), llama = best(llamaRuns);
    batched = { ours: ours.batched, llamaCpp: llama.batched, fork: { prefixTokens: ours.forkPrefix, ms: ours.forkMs, firstMs: ours.forkFirstMs, bytes: ours.forkBytes }, inject50Ms: ours.inject50Ms, arithmetic: ours.arithmetic };
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
  if (batched) {
    const base = batched.ours.find((b) => b.n === 1)?.decodeTps;
    console.log('\n| N sequences | ours tok/s (aggregate) | llama.cpp tok/s | ours / llama.cpp | ours / ours at N=1 |');
    console.log('| ---: | ---: | ---: | ---: | ---: |');
    for (const b of batched.ours) {
      const l = batched.llamaCpp.find((x) => x.n === b.n);
      console.log(`| ${b.n} | ${b.decodeTps.toFixed(1)} | ${l ? l.decodeTps.toFixed(1) : '-'} | ${l ? (b.decodeTps / l.decodeTps).toFixed(2) + 'x' : '-'} | ${base ? (b.decodeTps / base).toFixed(2) + 'x' : '-'} |`);
    }
    const a = batched.arithmetic;
    if (a) {
      const at8 = batched.ours.find((b) => b.n === Math.max(...batched.ours.map((x) => x.n)));
      console.log(`\narithmetic ceiling (${a.kernel} inner step on registers, ${THREADS} threads): ${a.ceilingGmacs.toFixed(1)} G multiply-adds/s; a token is ${(a.macsPerToken / 1e9).toFixed(2)} G, so no batch exceeds ${a.boundTps.toFixed(1)} tok/s (N = ${at8.n}: ${(100 * at8.decodeTps / a.boundTps).toFixed(0)}% of it) and 50 injected tokens take at least ${a.inject50BoundMs.toFixed(0)} ms`);
    }
    console.log(`\nfork of a ${batched.fork.prefixTokens}-token prefix: ${batched.fork.ms.toFixed(1)} ms (median of 5; the first ${batched.fork.firstMs.toFixed(1)} ms), ${(batched.fork.bytes / 2 ** 20).toFixed(1)} MiB copied; inject of 50 tokens after it: ${batched.inject50Ms.toFixed(0)} ms`);
  }
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores`);
  const out = flag('out');
  if (out) {
    writeFileSync(out, JSON.stringify({ model: path, prefillTokens: PREFILL, decodeTokens: DECODE, threads: THREADS, repeat: REPEAT, machine, bandwidthGBs: bandwidth, weightBytes, decodeBytes, boundTps: bound, engines: rows, ratios, ...(batched ? { batched } : {}) }, null, 2) + '\n');
    svg([...rows, { engine: 'bandwidth bound', decodeTps: bound }], out.replace(/\.json$/, '') + '.svg');
    if (batched) batchSvg(batched, out.replace(/\.json$/, '') + '.batch.svg');
    console.log(`wrote ${out} and its .svg chart`);
  }
}

main().catch((e) => { console.error(`[bench] ${e.message}`); process.exit(1); });
