// The native runtime against an independent float64 TypeScript forward pass, on
// tiny random-weight GGUF models of every architecture (every GGML type we load).
import t from 'tap';
import { rssTrend } from '../fixtures/rssTrend';
import { ContextOverflowError, DisposedError, InvalidArgumentError, loadModel, type Model } from '../../lib';
import { native } from '../../lib/runtime/native';
import { referenceForward } from '../fixtures/referenceForward';
import type { GgmlTypeName } from '../fixtures/ggmlBlocks';
import { makeTinyModel, TINY_LLAMA, TINY_QWEN2, TINY_QWEN3, type TinyConfig, type TinyModel } from '../fixtures/tinyModel';
import { rng } from '../fixtures/random';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const argmax = (a: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
};
const scale = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
// Same computation by two paths (one-row decode kernel vs the multi-row kernel, or a
// different chunking): equal up to float32 summation order, relative to the values' size.
const close = (a: ArrayLike<number>, b: ArrayLike<number>) => maxAbsDiff(a, b) <= 1e-5 * Math.max(10, scale(b));

// This file also runs on the stock MLX path (tinyModelStockMlx.test.ts sets the variable):
// there stock quantized_matmul multiplies the float activations, so the reference leaves out
// the int8 rounding of layer inputs that our kernels (and llama.cpp's) apply.
const KERNELS = process.env.COMPILER_EXPERT_STOCK_MLX ? 'mlx' : 'native';
const PATH_REF = { int8Activations: KERNELS === 'native' };

for (const config of [TINY_LLAMA, TINY_QWEN2, TINY_QWEN3]) {
  t.test(`tiny ${config.arch}`, async (t) => {
    const tiny: TinyModel = makeTinyModel(config, 3);
    const model: Model = await loadModel(tiny.path);
    t.teardown(() => model.dispose());
    const r = rng(11);
    const prompt = Array.from({ length: 9 }, () => Math.floor(r() * 256));
    const ref = referenceForward(tiny, prompt, PATH_REF);
    t.equal(model.info.kernels, KERNELS);
    t.comment(`tensor types: ${[...tiny.typesUsed].sort().join(', ')}`);

    t.test('logits match the reference forward pass', async (t) => {
      const s = model.createSession();
      await s.prefill(prompt);
      const logits = await s.logits();
      const expected = ref.logits[prompt.length - 1];
      const err = maxAbsDiff(logits, expected);
      t.comment(`max |logit error| ${err.toExponential(2)} (logit scale ${scale(expected).toFixed(2)})`);
      // Q5_K is converted at load (f16 products of its scales), and int8 input
      // roundings shift with it, hence not 1e-5.
      t.ok(err < 2e-2 * scale(expected), 'logits within 2% of their scale');
      t.equal(argmax(logits), argmax(expected), 'same top-1 token');
      if (config.qkNorm) {
        // The norms are not a no-op here: the same weights without them land far off.
        const without = referenceForward({ ...tiny, config: { ...config, qkNorm: false } }, prompt, PATH_REF).logits[prompt.length - 1];
        const off = maxAbsDiff(logits, without);
        t.ok(off > 5 * err && off > 2e-2 * scale(expected), `without q/k norms the logits are ${off.toExponential(2)} off`);
      }
      s.dispose();
    });

    t.test('hidden states match the reference, and the last layer reproduces the logits', async (t) => {
      const s = model.createSession();
      await s.prefill(prompt);
      const layers = Array.from({ length: config.layers + 1 }, (_, i) => i);
      const positions = [0, 4, prompt.length - 1];
      const hs = await s.hiddenStates(layers, positions);
      t.equal(hs.length, layers.length);
      t.equal(hs[0].length, positions.length);
      t.equal(hs[0][0].length, config.hidden, 'hidden size');
      for (const l of layers) {
        for (let j = 0; j < positions.length; j++) {
          const exp = ref.hidden[l][positions[j]];
          // The mixture includes Q5_K, converted at load (~4e-4 per layer; see the
          // per-type test below), and int8 input roundings shift with it.
          const e = maxAbsDiff(hs[l][j], exp) / scale(exp);
          t.ok(e < 3e-2, `layer ${l} position ${positions[j]}: relative error ${e.toExponential(1)}`);
        }
      }
      // final norm + output projection of the native last-layer state == native logits
      const last = hs[config.layers][positions.length - 1];
      const w = tiny.weights.get('output_norm.weight')!;
      let ss = 0;
      for (const v of last) ss += v * v;
      const inv = 1 / Math.sqrt(ss / last.length + config.eps);
      const normed = Array.from(last, (v, i) => v * inv * w[i]);
      const out = tiny.weights.get(config.tied ? 'token_embd.weight' : 'output.weight')!;
      const logits = await s.logits();
      const fromHidden = Array.from({ length: config.vocab }, (_, r) => normed.reduce((acc, v, c) => acc + v * out[r * config.hidden + c], 0));
      t.ok(maxAbsDiff(fromHidden, logits) < 2e-2 * scale(logits), 'norm + output projection of the last hidden state gives the logits');
      t.equal(argmax(fromHidden), argmax(logits));
      s.dispose();
    });

    t.test('step captures the same hidden states as hiddenStates()', async (t) => {
      const s = model.createSession();
      await s.prefill(prompt);
      const { token, hidden } = await s.step({ captureLayers: [config.layers, 1] });
      t.equal(hidden?.length, 2);
      const again = await s.hiddenStates([config.layers, 1], [s.length - 1]);
      t.ok(close(hidden![0], again[0][0]), 'last layer');
      t.ok(close(hidden![1], again[1][0]), 'layer 1');
      t.equal(s.tokens[s.length - 1], token);
      s.dispose();
    });

    t.test('inject equals a fresh prefill of the whole sequence', async (t) => {
      const a = model.createSession();
      await a.prefill(prompt);
      for (let i = 0; i < 3; i++) await a.step();
      const injected = [261, 40, 41, 42, 262, 10];
      const before = a.length;
      await a.inject(injected);
      t.equal(a.length, before + injected.length, 'length grew by exactly the injected tokens');
      const b = model.createSession();
      await b.prefill(a.tokens);
      t.ok(close(await a.logits(), await b.logits()), 'same logits');
      const ta: number[] = [], tb: number[] = [];
      for (let i = 0; i < 6; i++) {
        ta.push((await a.step()).token);
        tb.push((await b.step()).token);
      }
      t.same(ta, tb, 'same continuation');
      a.dispose();
      b.dispose();
    });

    t.test('a decode step over several key chunks matches the reference and a prefill', async (t) => {
      // A decode step splits the keys into chunks of 128 for the threads and merges them
      // (native/kernels/attention.cc); at position 299 that is three chunks.
      const rl = rng(12);
      const long = Array.from({ length: 300 }, () => Math.floor(rl() * 256));
      const expected = referenceForward(tiny, long, PATH_REF).logits[long.length - 1];
      const a = model.createSession({ contextLength: 320 });
      await a.prefill(long.slice(0, -1));
      await a.inject(long.slice(-1)); // one position: the decode path
      const decoded = await a.logits();
      const err = maxAbsDiff(decoded, expected);
      t.ok(err < 2e-2 * scale(expected), `logits within 2% of their scale (error ${err.toExponential(2)})`);
      t.equal(argmax(decoded), argmax(expected), 'same top-1 token');
      const b = model.createSession({ contextLength: 320 });
      await b.prefill(long); // every query's keys in one piece
      t.ok(close(decoded, await b.logits()), 'same logits as a prefill of the whole sequence');
      a.dispose();
      b.dispose();
    });

    t.test('rewind then re-decoding reproduces the earlier tokens', async (t) => {
      const s = model.createSession();
      await s.prefill(prompt);
      const first: number[] = [];
      for (let i = 0; i < 6; i++) first.push((await s.step()).token);
      const logitsAfter2 = await (async () => {
        const x = model.createSession();
        await x.prefill([...prompt, ...first.slice(0, 2)]);
        const l = await x.logits();
        x.dispose();
        return l;
      })();
      await s.rewind(4);
      t.equal(s.length, prompt.length + 2);
      t.ok(close(await s.logits(), logitsAfter2), 'logits after rewind equal a fresh run');
      const again: number[] = [];
      for (let i = 0; i < 4; i++) again.push((await s.step()).token);
      t.same(again, first.slice(2), 'same tokens');
      await s.rewind(s.length);
      t.equal(s.length, 0, 'rewind to empty');
      await t.rejects(s.step(), InvalidArgumentError, 'nothing to continue from');
      s.dispose();
    });

    t.test('sampling with a seed is reproducible', async (t) => {
      // A very high temperature makes the choice nearly uniform over the top 50,
      // so it must differ from greedy even on these peaked random models.
      const run = async () => {
        const s = model.createSession({ seed: 42 });
        await s.prefill(prompt);
        const out: number[] = [];
        for (let i = 0; i < 8; i++) out.push((await s.step({ sampling: { temperature: 1000, topK: 50, topP: 0.95 } })).token);
        s.dispose();
        return out;
      };
      const a = await run(), b = await run();
      t.same(a, b);
      const greedy = model.createSession();
      await greedy.prefill(prompt);
      const g = [];
      for (let i = 0; i < 8; i++) g.push((await greedy.step()).token);
      t.not(a.join(), g.join(), 'temperature sampling differs from greedy');
      greedy.dispose();
    });

    t.test('bad input gives typed errors and the session survives', async (t) => {
      const s = model.createSession({ contextLength: 16 });
      await t.rejects(s.prefill(new Array(17).fill(5)), ContextOverflowError);
      await t.rejects(s.prefill([]), InvalidArgumentError);
      await t.rejects(s.prefill([config.vocab + 5]), InvalidArgumentError);
      await t.rejects(s.prefill([-1]), InvalidArgumentError);
      await t.rejects(s.rewind(3), InvalidArgumentError);
      await t.rejects(s.hiddenStates([config.layers + 1], [0]), InvalidArgumentError);
      await s.prefill(new Array(15).fill(5));
      await s.step();
      await t.rejects(s.step(), ContextOverflowError, 'full context');
      t.equal(s.length, 16);
      t.throws(() => model.createSession({ contextLength: 0 }), InvalidArgumentError);
      s.dispose();
      s.dispose();
      await t.rejects(s.step(), DisposedError, 'use after dispose');
    });

    t.test('two sessions at once do not interfere', async (t) => {
      const solo = async (p: number[]) => {
        const s = model.createSession();
        await s.prefill(p);
        const out = [];
        for (let i = 0; i < 5; i++) out.push((await s.step()).token);
        s.dispose();
        return out;
      };
      const p2 = prompt.slice().reverse();
      const [x, y] = [await solo(prompt), await solo(p2)];
      const [cx, cy] = await Promise.all([solo(prompt), solo(p2)]);
      t.same(cx, x);
      t.same(cy, y);
    });
  });
}

t.test('1000 short generations leave RSS flat', async (t) => {
  const tiny = makeTinyModel(TINY_QWEN2, 5);
  const model = await loadModel(tiny.path);
  const once = async (i: number) => {
    const s = model.createSession({ contextLength: 64 });
    await s.prefill([1 + (i % 200), 2, 3, 4]);
    await s.step();
    await s.step();
    s.dispose();
  };
  for (let i = 0; i < 300; i++) await once(i); // warm the allocators' caches
  // RSS after each of 5 windows of 200 generations, as a fitted trend (see rssTrend).
  const { points, slopeMiBPerRun: slope } = await rssTrend(5, 200, (() => {
    let i = 0;
    return () => once(i++ % 200);
  })());
  t.comment(`RSS (MiB) after 0..1000 generations: ${points.map(([, y]) => y.toFixed(1)).join(', ')}; trend ${(slope * 1000).toFixed(1)} MiB per 1000`);
  t.ok(slope * 1000 < 4, 'RSS trend below 4 MiB per 1000 generations');
  model.dispose();
});

// One GGML type per model: formats our layout holds exactly must match the
// reference closely (this also pins the kernels' int8 input rounding, which the
// reference models; typically 1e-6, but an input that float32 and float64 put on
// opposite sides of a half step rounds to neighbouring int8 values, and a few such
// flips move hidden states by up to ~1e-2). Q4_K and Q6_K stay GGUF super-blocks
// (their own kernels, one rounding step per 256 inputs); Q5_K is converted at load,
// within its bound. The kernels' arithmetic itself is pinned in test/kernels.
const EXACT = ['F32', 'F16', 'BF16', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q4_K', 'Q6_K'] as const;
const CONVERTED: [string, number][] = [['Q5_K', 2e-2]];
// One format per model also makes q|k|v and gate|up fusable (one matrix each).
t.test('float16 KV cache (the default where every layer runs on the CPU kernels)', async (t) => {
  const tiny = makeTinyModel({ ...TINY_QWEN2, types: ['Q4_K'] }, 3);
  const half = await loadModel(tiny.path);
  const full = await loadModel(tiny.path, { kvCacheType: 'float32' });
  t.teardown(() => {
    half.dispose();
    full.dispose();
  });
  // float16 wherever halves convert in hardware: arm64, and x86-64 past the portable tier;
  // never on the stock MLX path (no layer runs on the CPU kernels there).
  const fast = KERNELS === 'native' && (process.arch !== 'x64' || native().cpuKernel !== 'portable');
  t.equal(half.info.kvCacheType, fast ? 'float16' : 'float32');
  t.equal(full.info.kvCacheType, 'float32');
  if (!fast) return;
  await t.rejects(loadModel(tiny.path, { kvCacheType: 'bf16' as never }), InvalidArgumentError);
  const rl = rng(13);
  const long = Array.from({ length: 300 }, () => Math.floor(rl() * 256));
  const expected = referenceForward(tiny, long, { halfCache: true }).logits[long.length - 1];
  // Decode-shaped last step (three key chunks) against a prefill of the whole sequence.
  const a = half.createSession({ contextLength: 320 });
  await a.prefill(long.slice(0, -1));
  await a.inject(long.slice(-1));
  const decoded = await a.logits();
  const b = half.createSession({ contextLength: 320 });
  await b.prefill(long);
  t.ok(close(decoded, await b.logits()), 'decode step equals a whole-sequence prefill');
  const err = maxAbsDiff(decoded, expected);
  t.ok(err < 1e-3 * scale(expected), `within 0.1% of the reference with float16 keys and values (error ${err.toExponential(2)})`);
  t.equal(argmax(decoded), argmax(expected), 'same top-1 token as the reference');
  const f = full.createSession({ contextLength: 320 });
  await f.prefill(long);
  const exact = await f.logits();
  t.ok(maxAbsDiff(decoded, exact) > 0, 'the float16 cache really rounds (differs from the float32 one)');
  t.ok(maxAbsDiff(decoded, exact) < 3e-2 * scale(exact), 'and stays within 3% of it');
  for (const s of [a, b, f]) s.dispose();
});

t.test('each weight format alone, hidden states vs the reference', async (t) => {
  const runs: [TinyConfig, string, number][] = [
    ...EXACT.map((e) => [TINY_LLAMA, e, 1e-2] as [TinyConfig, string, number]),
    ...CONVERTED.map(([e, tol]) => [TINY_LLAMA, e, tol] as [TinyConfig, string, number]),
    [TINY_QWEN2, 'Q4_0', 1e-2], // q/k/v biases, fused
    [TINY_QWEN2, 'Q8_0', 1e-2],
    [TINY_QWEN2, 'Q4_K', 1e-2], // K-quant blocks fused, with biases
    [TINY_QWEN2, 'Q6_K', 1e-2],
    [TINY_QWEN3, 'Q4_K', 1e-2], // q/k norms on the one-op CPU layer (q/k/v fused)
    [TINY_QWEN3, 'F16', 1e-2], // q/k norms on the MLX-op layer
  ];
  for (const [config, type, nativeTolerance] of runs) {
    // Stock MLX's CPU quantized_matmul (the GPU path's op, run here) lands 5e-4 to 2.5e-2
    // from the float64 reference after three random layers, where our kernels, whose int8
    // input rounding the reference models, land within 1e-6. Dense F32/F16/BF16 weights are
    // 6e-7 on both paths and the conversions are exact or float16-scaled, so
    // we attribute the difference to MLX's quantized accumulation (not isolated further).
    const tolerance = KERNELS === 'mlx' && !['F32', 'F16', 'BF16'].includes(type) ? 3e-2 : nativeTolerance;
    const tiny = makeTinyModel({ ...config, types: [type as GgmlTypeName] }, 3);
    // A float32 cache: the formats alone, compared with no other rounding in the way.
    const model = await loadModel(tiny.path, { kvCacheType: 'float32' });
    const r = rng(11);
    const prompt = Array.from({ length: 9 }, () => Math.floor(r() * 256));
    const ref = referenceForward(tiny, prompt, PATH_REF);
    const s = model.createSession();
    await s.prefill(prompt);
    const positions = [0, 4, 8];
    const hs = await s.hiddenStates([config.layers], positions);
    let worst = 0;
    positions.forEach((p, j) => {
      const exp = ref.hidden[config.layers][p];
      worst = Math.max(worst, maxAbsDiff(hs[0][j], exp) / scale(exp));
    });
    t.ok(worst < tolerance, `${config.arch} ${type}: last layer relative error ${worst.toExponential(1)} (< ${tolerance})`);
    model.dispose();
  }
});
