// loadModel's `threads` (a per-model cap on the kernel pool, no process-wide setter) and
// `signal`, and an abortable prefill: chunked when a signal is given, with the same result.
import t from 'tap';
import { AbortError, InvalidArgumentError, loadModel } from '../../lib';
import { native } from '../../lib/runtime/native';
import type { GgmlTypeName } from '../fixtures/ggmlBlocks';
import { rng } from '../fixtures/random';
import { makeTinyModel, TINY_QWEN2 } from '../fixtures/tinyModel';

// Q4_K projections on the one-op CPU layer: the kernels split rows over the pool's threads.
const tiny = makeTinyModel({ ...TINY_QWEN2, types: ['Q4_K'] as GgmlTypeName[] }, 11);
const r = rng(3);
const prompt = Array.from({ length: 500 }, () => Math.floor(r() * 256));

t.test('threads caps one model’s kernels; two models in one process keep their own', async (t) => {
  const pool = native().threadCount();
  const one = await loadModel(tiny.path, { threads: 1 });
  const all = await loadModel(tiny.path);
  t.teardown(() => (one.dispose(), all.dispose()));
  const run = async (model: typeof one) => {
    const s = model.createSession();
    await s.prefill(prompt.slice(0, 40));
    const tokens = [];
    for (let i = 0; i < 8; i++) tokens.push((await s.step()).token);
    const parts = native().lastParallelParts();
    const logits = await s.logits();
    s.dispose();
    return { tokens, parts, logits };
  };
  const a = await run(one), b = await run(all), c = await run(one);
  t.equal(a.parts, 1, 'threads: 1 ran its kernels on one thread');
  t.equal(b.parts, Math.min(pool, 2), 'the default ran them on the pool (these weights split over at most 2)');
  t.equal(c.parts, 1, 'and the first model keeps its cap after the other ran');
  t.same(a.tokens, b.tokens, 'the same tokens whatever the thread count');
  t.same([...a.logits], [...b.logits], 'bitwise the same logits: each output is computed by one thread');
  await t.rejects(loadModel(tiny.path, { threads: 0 }), InvalidArgumentError);
  await t.rejects(loadModel(tiny.path, { threads: 1.5 }), InvalidArgumentError);
});

t.test('an aborted signal stops loadModel', async (t) => {
  await t.rejects(loadModel(tiny.path, { signal: AbortSignal.abort() }), AbortError);
  const controller = new AbortController();
  const loading = loadModel(tiny.path, { signal: controller.signal, onProgress: (phase) => phase === 'weights' && controller.abort() });
  await t.rejects(loading, AbortError, 'aborted while the weights load: the model is released, not returned');
});

t.test('prefill with a signal: chunked, same logits; an abort rejects between chunks', async (t) => {
  const model = await loadModel(tiny.path);
  t.teardown(() => model.dispose());
  const whole = model.createSession({ contextLength: 512 });
  await whole.prefill(prompt);
  const chunked = model.createSession({ contextLength: 512 });
  await chunked.prefill(prompt, { signal: new AbortController().signal });
  t.equal(chunked.length, prompt.length);
  const [x, y] = [await whole.logits(), await chunked.logits()];
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff = Math.max(diff, Math.abs(x[i] - y[i]));
  t.ok(diff <= 1e-5, `logits of a prefill in 256-token chunks match one prefill (max diff ${diff})`);
  const aborted = model.createSession({ contextLength: 512 });
  await t.rejects(aborted.prefill(prompt, { signal: AbortSignal.abort() }), AbortError);
  t.equal(aborted.length, 0, 'nothing was computed');
  for (const s of [whole, chunked, aborted]) s.dispose();
});

t.test("kernels: 'mlx' takes stock MLX ops only; 'native' takes ours", async (t) => {
  const mixed = makeTinyModel({ ...TINY_QWEN2, types: ['Q4_K', 'Q8_0', 'Q6_K', 'F16'] as GgmlTypeName[] }, 4);
  const counts = () => native().opCounts();
  const delta = async (kernels: 'native' | 'mlx') => {
    const model = await loadModel(mixed.path, { kernels });
    const before = counts();
    const s = model.createSession();
    await s.prefill([1, 2, 3]);
    const token = (await s.step()).token;
    const after = counts();
    model.dispose();
    return { kernels: model.info.kernels, token, ran: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]])) };
  };
  const stock = await delta('mlx');
  t.equal(stock.kernels, 'mlx');
  t.same(stock.ran, { cpuLayer: 0, quantizedLinear: 0, kquantLinear: 0, attention: 0 }, 'none of ours ran');
  const ours = await delta('native');
  t.ok(Object.values(ours.ran).some((n) => n > 0), `ours ran: ${JSON.stringify(ours.ran)}`);
  t.equal(stock.token, ours.token, 'both paths pick the same greedy token here');
  await t.rejects(loadModel(mixed.path, { kernels: 'gpu' as never }), InvalidArgumentError);
});
