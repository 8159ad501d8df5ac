// Our K-quant kernels (Q4_K and Q6_K super-blocks as GGUF stores them, and both packed by
// eight rows as loading lays them out on the VNNI tier; AVX-512 VNNI,
// AVX2 and portable, 1-3 threads, 1-64 rows of x) against two references built here
// from the same bytes by an independent dequantizer (test/fixtures/ggmlBlocks.ts):
//  - exact: float64 sum of the dequantized weights times the activations rounded to
//    int8 per 256 values, the kernels' rounding step by step. Must agree to float32
//    rounding.
//  - the unrounded product W x, within the provable bound of that rounding:
//    sum over blocks of (step / 2) * sum |w|.
// Random blocks, plus extreme ones (largest codes and sub-scales, activations at
// +-127 steps) that would overflow any int16 or int32 sum the kernels got wrong.
import t from 'tap';
import { native } from '../../lib/runtime/native';
import { dequantize, f32ToF16, randomTensor, TYPE_ID, type GgmlTypeName } from '../fixtures/ggmlBlocks';
import { quantizeRun } from '../fixtures/int8Activations';
import { rng } from '../fixtures/random';

const BLOCK_BYTES = { Q4_K: 144, Q6_K: 210 } as const;
type KType = keyof typeof BLOCK_BYTES;

/** Blocks with every code, sub-scale (and Q4_K min) at its largest magnitude. */
function extremeTensor(type: KType, rows: number, cols: number): Buffer {
  const blocks = (rows * cols) / 256;
  const buf = Buffer.alloc(blocks * BLOCK_BYTES[type]);
  for (let b = 0; b < blocks; b++) {
    const o = b * BLOCK_BYTES[type];
    if (type === 'Q4_K') {
      buf.writeUInt16LE(f32ToF16(0.001), o);
      buf.writeUInt16LE(f32ToF16(0.002), o + 2);
      buf.fill(0xff, o + 4, o + 144); // scales and mins 63, codes 15
    } else {
      buf.fill(0xff, o, o + 192); // codes 63
      for (let s = 0; s < 16; s++) buf.writeInt8(s % 2 ? 127 : -128, o + 192 + s);
      buf.writeUInt16LE(f32ToF16(0.0005), o + 208);
    }
  }
  return buf;
}

function references(type: KType, blocks: Buffer, x: Float32Array, M: number, N: number, K: number) {
  const w = dequantize(type as GgmlTypeName, blocks, N * K);
  const exact = new Float64Array(M * N), bound = new Float64Array(M * N), plain = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    const runs = Array.from({ length: K / 256 }, (_, b) => quantizeRun(x, m * K + b * 256, 256));
    for (let n = 0; n < N; n++) {
      let y = 0, e = 0, p = 0;
      for (let k = 0; k < K; k++) {
        const wk = w[n * K + k];
        const { step, q } = runs[k >> 8];
        y += wk * step * q[k & 255];
        e += (step / 2) * Math.abs(wk);
        p += wk * x[m * K + k];
      }
      exact[m * N + n] = y;
      bound[m * N + n] = e;
      plain[m * N + n] = p;
    }
  }
  return { exact, bound, plain };
}

t.comment(`CPU kernel: ${native().cpuKernel}${native().amx ? ', with AMX int8 tiles for packed Q4_K at M >= 16' : ''}`);

const shapes: [M: number, N: number, K: number][] = [
  [1, 1, 256],
  [1, 37, 512],
  [2, 9, 1536],
  [3, 33, 768],
  [5, 16, 256],
  [9, 7, 1024], // two full 4-row blocks and a single row
  [8, 12, 512], // one whole 8-row group (the VNNI tier's)
  [17, 70, 512], // two 8-row groups and a single row, over weight rows of two panels
  [64, 5, 1024], // 256 blocks of activations: rounded by several threads
];
type Run = [threads: number, kernel?: 'avx2' | 'portable'];
const runs: Run[] = [[1], [2], [3], [2, 'avx2'], [2, 'portable']];
const order = ['portable', 'avx2', 'avx512-vnni'];

// Rows packed by eight (cpu_kernels.h kQ4KPacked, kQ6KPacked: loading's layout on the VNNI
// tier; the portable code computes it on every tier) against the same references as the
// GGUF layout: N in eights only.
const PACKED = { Q4_K: 1012, Q6_K: 1014 } as const;
const packedShapes: [M: number, N: number, K: number][] = [
  [1, 8, 256],
  [2, 16, 1536],
  [4, 24, 1536], // one 4-row block of activations
  [5, 16, 256], // a 4-row block and a single row
  [8, 8, 512], // two 4-row blocks, one group: the extreme case too
  [13, 40, 512], // three blocks and a single row over five groups
  [64, 16, 1024], // activations rounded by several threads
  // With AMX (16 activation rows a tile, 16 weight rows): whole tiles, tiles and a tail of
  // rows, and an odd last group of weight rows, which the VNNI kernel takes.
  [16, 16, 256],
  [37, 24, 512],
  [48, 48, 1536],
];

function testCase(label: string, typeId: number, blocks: Buffer, x: Float32Array, M: number, N: number, K: number,
  ref: ReturnType<typeof references>, threads: number, kernel?: 'avx2' | 'portable') {
  t.test(`${label}, ${threads} thread(s)${kernel ? `, at most ${kernel}` : ''}`, async (t) => {
    const { ours, kernel: used } = await native().kquantCheck(typeId, blocks, x, M, N, K, threads, kernel);
    const best = native().cpuKernel;
    t.equal(used, kernel && order.indexOf(kernel) < order.indexOf(best) ? kernel : best, 'the kernel asked for ran');
    t.equal(ours.length, M * N);
    let scale = 0;
    for (const v of ref.exact) scale = Math.max(scale, Math.abs(v));
    const slack = 1e-5 * Math.max(1, scale);
    let worstExact = 0, worstRatio = 0;
    for (let i = 0; i < ours.length; i++) {
      worstExact = Math.max(worstExact, Math.abs(ours[i] - ref.exact[i]));
      worstRatio = Math.max(worstRatio, Math.abs(ours[i] - ref.plain[i]) / (ref.bound[i] + slack));
    }
    t.ok(worstExact <= slack, `vs exact int8 model: max error ${worstExact.toExponential(2)} (scale ${scale.toFixed(2)})`);
    t.ok(worstRatio <= 1, `vs unrounded W x: worst error is ${(100 * worstRatio).toFixed(1)}% of the rounding bound`);
  });
}

function inputs(type: KType, M: number, N: number, K: number, extreme: boolean, salt: number) {
  const r = rng(M * 7919 + N * 31 + K + salt);
  const blocks = extreme ? extremeTensor(type, N, K) : randomTensor(type, N, K, M * 1000 + N + K + salt);
  // Extreme inputs: every value +-1, so every int8 activation is +-127.
  const x = Float32Array.from({ length: M * K }, () => (extreme ? (r() < 0.5 ? -1 : 1) : r() * 2 - 1));
  return { blocks, x, ref: references(type, blocks, x, M, N, K) };
}

for (const type of ['Q4_K', 'Q6_K'] as const) {
  for (const [M, N, K] of shapes) {
    for (const extreme of K === 512 ? [false, true] : [false]) {
      const { blocks, x, ref } = inputs(type, M, N, K, extreme, type === 'Q6_K' ? 1 : 0);
      for (const [threads, kernel] of runs)
        testCase(`${type} M=${M} N=${N} K=${K}${extreme ? ' extreme' : ''}`, TYPE_ID[type], blocks, x, M, N, K, ref, threads, kernel);
    }
  }
}

for (const type of ['Q4_K', 'Q6_K'] as const) {
  for (const [M, N, K] of packedShapes) {
    for (const extreme of K === 512 ? [false, true] : [false]) {
      const { blocks, x, ref } = inputs(type, M, N, K, extreme, 2);
      for (const [threads, kernel] of runs)
        testCase(`packed ${type} M=${M} N=${N} K=${K}${extreme ? ' extreme' : ''}`, PACKED[type], blocks, x, M, N, K, ref, threads, kernel);
    }
  }
}

// The portable code and the VNNI kernels add the same exact integer sums with the same
// float steps in the same order: the packed layouts give the same bits on every tier.
for (const type of ['Q4_K', 'Q6_K'] as const) {
  t.test(`packed ${type}: every tier gives the same bits`, { skip: native().cpuKernel === 'avx512-vnni' ? false : `the VNNI kernels need AVX-512 VNNI (this machine: ${native().cpuKernel})` }, async (t) => {
    for (const [M, N, K] of [[1, 16, 512], [3, 24, 1536], [9, 8, 256], [16, 16, 512], [37, 24, 1536]]) {
      const { blocks, x } = inputs(type, M, N, K, false, 3);
      const vnni = await native().kquantCheck(PACKED[type], blocks, x, M, N, K, 2);
      const portable = await native().kquantCheck(PACKED[type], blocks, x, M, N, K, 2, 'portable');
      t.equal(portable.kernel, 'portable');
      t.same(Buffer.from(portable.ours.buffer), Buffer.from(vnni.ours.buffer), `M=${M} N=${N} K=${K}`);
    }
  });
}

// scripts/bench-kernel.mjs times kernels so: repeated runs give the same bits as one run,
// and `ms` is the fastest (a duration to report, never to assert against).
t.test('repeated runs give the bits of one run and their fastest time', async (t) => {
  const { blocks, x } = inputs('Q4_K', 16, 16, 512, false, 5);
  const once = await native().kquantCheck(PACKED.Q4_K, blocks, x, 16, 16, 512, 2);
  const many = await native().kquantCheck(PACKED.Q4_K, blocks, x, 16, 16, 512, 2, '', 5);
  t.equal(many.kernel, native().cpuKernel, "'' leaves the kernel uncapped");
  t.same(Buffer.from(many.ours.buffer), Buffer.from(once.ours.buffer), 'same bits');
  t.ok(Number.isFinite(many.ms) && many.ms > 0, `fastest of 5: ${many.ms.toFixed(3)} ms`);
});

t.test('bad shapes are a typed error', async (t) => {
  const blocks = randomTensor('Q4_K', 2, 256, 1);
  await t.rejects(() => native().kquantCheck(TYPE_ID.Q4_K, blocks, new Float32Array(255), 1, 2, 255, 1), /inconsistent shapes/);
  await t.rejects(() => native().kquantCheck(TYPE_ID.Q4_0, blocks, new Float32Array(256), 1, 2, 256, 1), /unsupported type/);
  await t.rejects(() => native().kquantCheck(PACKED.Q4_K, blocks, new Float32Array(256), 1, 2, 256, 1), /packed rows need N in eights/);
});

// The benchmark's arithmetic ceiling (scripts/bench-speed.mjs): measured on the tier the
// kernels use, a rate and never a timing to assert; bad thread counts are refused.
t.test('the multiply-add ceiling names the active tier', async (t) => {
  const one = await native().int8MacCeiling(1);
  t.equal(one.kernel, native().cpuKernel);
  t.ok(Number.isFinite(one.gmacs) && one.gmacs > 0, `${one.gmacs.toFixed(1)} G multiply-adds/s on one thread`);
  t.throws(() => native().int8MacCeiling(0), /threads must be 1\.\.1024/);
});
