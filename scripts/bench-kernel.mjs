#!/usr/bin/env node
// One quantized matrix through our CPU kernel, the fastest of many runs, for kernel work:
// whole-model benchmarks on these shared machines swing by 20%, a kernel's best run much
// less. Usage: node scripts/bench-kernel.mjs [--type Q4_K|Q6_K] [--packed 1|0] [--m 1,8,16,48]
//   [--n 17920] [--k 1536] [--threads 2] [--repeats 25]
// (defaults: the coder model's gate_up at inject and prefill sizes). Compare tiers by
// running it again with COMPILER_EXPERT_AMX=0 or COMPILER_EXPERT_KERNEL=avx2.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { native } = require('../dist/runtime/native.js');

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const TYPE = opt('--type', 'Q4_K');
const PACKED = opt('--packed', '1') === '1';
const MS = opt('--m', '1,8,16,48').split(',').map(Number);
const N = Number(opt('--n', 17920)), K = Number(opt('--k', 1536));
const THREADS = Number(opt('--threads', 2)), REPEATS = Number(opt('--repeats', 25));

// GGUF block layouts (ggml-common.h): Q4_K 144 bytes (d, dmin as float16, 12 scale bytes,
// 128 code bytes), Q6_K 210 bytes (128 low-bit bytes, 64 high-bit bytes, 16 int8 scales, d).
const LAYOUT = { Q4_K: { id: 12, bytes: 144, halves: [0, 2] }, Q6_K: { id: 14, bytes: 210, halves: [208] } };
const layout = LAYOUT[TYPE];
if (!layout || K % 256 || N % 8) throw new Error('--type Q4_K|Q6_K, --k a multiple of 256, --n of 8');

// Random codes and scales; the float16 block scales set to 2^-8 so every value is finite.
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
const blocks = new Uint8Array((N * K / 256) * layout.bytes);
for (let i = 0; i < blocks.length; i++) blocks[i] = rand();
for (let b = 0; b < blocks.length; b += layout.bytes)
  for (const at of layout.halves) { blocks[b + at] = 0x00; blocks[b + at + 1] = 0x1c; }

console.log(`${TYPE}${PACKED ? ' packed' : ''}, N = ${N}, K = ${K}, ${THREADS} threads, best of ${REPEATS}; kernel ${native().cpuKernel}${native().amx ? ' + AMX' : ''}`);
console.log('| M | ms | G multiply-adds/s |\n| ---: | ---: | ---: |');
for (const M of MS) {
  const x = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i * 0.37));
  const r = await native().kquantCheck(layout.id + (PACKED ? 1000 : 0), blocks, x, M, N, K, THREADS, '', REPEATS);
  console.log(`| ${M} | ${r.ms.toFixed(2)} | ${((M * N * K) / r.ms / 1e6).toFixed(0)} |`);
}
