// Session fork and batched decode, on tiny random-weight models of every architecture
// (against the float64 reference and against single-session decoding) and on the default
// model: a fork equals a fresh prefill of its tokens, a batched step equals N single steps.
import t from 'tap';
import { ContextOverflowError, DisposedError, InvalidArgumentError, loadModel, type Model, type Session } from '../../lib';
import { defaultModelPath } from '../fixtures/defaultModel';
import { rssTrend } from '../fixtures/rssTrend';
import { rng } from '../fixtures/random';
import { referenceForward } from '../fixtures/referenceForward';
import { makeTinyModel, TINY_LLAMA, TINY_QWEN2, TINY_QWEN3, type TinyConfig } from '../fixtures/tinyModel';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
const scale = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const argmax = (a: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
};
// A fork copies the cache bit for bit, so its logits equal a fresh prefill's up to the
// prefill's own chunking; a batched step runs the rows through the multi-row kernel tiles
// where a single step takes the one-row decode kernel: the same products summed in another
// order. Both are float32 summation-order differences, relative to the values' size (the
// bound the runtime's other two-path tests use).
const close = (a: ArrayLike<number>, b: ArrayLike<number>) => maxAbsDiff(a, b) <= 1e-5 * Math.max(10, scale(b));

async function greedy(s: Session, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await s.step()).token);
  return out;
}

const prompts = (seed: number, lengths: number[]) => {
  const r = rng(seed);
  return lengths.map((n) => Array.from({ length: n }, () => Math.floor(r() * 256)));
};

// The mixed-format tiny models run some layers as MLX ops and some as one CPU op; a
// single-format one runs every layer as one CPU op with a float16 cache.
const CASES: [string, TinyConfig][] = [
  ['llama, mixed formats', TINY_LLAMA],
  ['qwen2, mixed formats', TINY_QWEN2],
  ['qwen2, Q4_K (one-op layers, float16 cache)', { ...TINY_QWEN2, types: ['Q4_K'] }],
  ['qwen3, Q8_0 (q/k norms, head size of its own)', { ...TINY_QWEN3, types: ['Q8_0'] }],
];

for (const [name, config] of CASES) {
  t.test(`tiny ${name}`, async (t) => {
    const tiny = makeTinyModel(config, 3);
    const model: Model = await loadModel(tiny.path);
    t.teardown(() => model.dispose());
    const [prompt] = prompts(21, [11]);
    t.comment(`kv cache ${model.info.kvCacheType}`);

    t.test('a fork steps like a fresh session prefilled with the same tokens', async (t) => {
      const parent = model.createSession();
      await parent.prefill(prompt);
      await greedy(parent, 3);
      const fork = await parent.fork();
      t.equal(fork.length, parent.length, 'same length');
      t.same(fork.tokens, parent.tokens, 'same tokens');
      const fresh = model.createSession();
      await fresh.prefill(parent.tokens);
      t.ok(close(await fork.logits(), await fresh.logits()), 'same logits as a fresh prefill');
      const halfCache = model.info.kvCacheType === 'float16';
      const expected = referenceForward(tiny, parent.tokens, { halfCache }).logits[parent.length - 1];
      const forkLogits = await fork.logits();
      t.ok(maxAbsDiff(forkLogits, expected) < 2e-2 * scale(expected), 'within 2% of the float64 reference');
      t.equal(argmax(forkLogits), argmax(expected), 'same top-1 token as the reference');
      t.same(await greedy(fork, 32), await greedy(fresh, 32), 'same 32 greedy tokens');
      t.ok(close(await fork.logits(), await fresh.logits()), 'same logits after 32 steps');
      for (const s of [parent, fork, fresh]) s.dispose();
    });

    t.test('a fork and its parent are independent; forks outlive their parent', async (t) => {
      const parent = model.createSession();
      await parent.prefill(prompt);
      const before = await parent.logits();
      const fork = await parent.fork();
      await fork.inject([40, 41, 42]);
      await greedy(fork, 4);
      t.ok(close(await parent.logits(), before), "the fork's inject and steps leave the parent untouched");
      t.equal(parent.length, prompt.length);
      const forkTokens = fork.tokens;
      const forkLogits = await fork.logits();
      await greedy(parent, 5);
      await parent.rewind(7);
      t.same(fork.tokens, forkTokens, "the parent's steps and rewind leave the fork's tokens");
      t.ok(close(await fork.logits(), forkLogits), "and the fork's logits");
      const grandchild = await fork.fork();
      parent.dispose();
      fork.dispose();
      await t.rejects(fork.step(), DisposedError);
      const fresh = model.createSession();
      await fresh.prefill(grandchild.tokens);
      t.same(await greedy(grandchild, 8), await greedy(fresh, 8), 'a fork of a fork works after both parents are gone');
      grandchild.dispose();
      fresh.dispose();
    });

    t.test("a fork reuses a disposed fork's cache buffers and starts clean", async (t) => {
      const [long, short] = prompts(27, [40, 9]);
      const parent = model.createSession();
      await parent.prefill(long);
      const dead = await parent.fork();
      const held = model.forkCacheBytes;
      await greedy(dead, 5);
      dead.dispose();
      await parent.logits(); // runs on the model's thread after the disposed fork is freed
      t.ok(model.forkCacheBytes > held, "the disposed fork's buffers are kept");
      const other = model.createSession();
      await other.prefill(short);
      const fork = await other.fork(); // same capacity: the dead fork's buffers, holding 45 positions
      t.equal(model.forkCacheBytes, held, 'and taken by the next fork of that size');
      const fresh = model.createSession();
      await fresh.prefill(short);
      t.ok(close(await fork.logits(), await fresh.logits()), 'same logits as a fresh prefill');
      t.same(await greedy(fork, 32), await greedy(fresh, 32), 'same 32 greedy tokens');
      for (const s of [parent, other, fork, fresh]) s.dispose();
    });

    for (const n of [1, 2, 3, 8]) {
      t.test(`a batched step of ${n} equals ${n} single steps`, async (t) => {
        const ps = prompts(30 + n, Array.from({ length: n }, (_, i) => 3 + ((i * 7) % 13)));
        const batch: Session[] = [], solo: Session[] = [];
        for (const p of ps) {
          const a = model.createSession(), b = model.createSession();
          await a.prefill(p);
          await b.prefill(p);
          batch.push(a);
          solo.push(b);
        }
        const got: number[][] = ps.map(() => []), want: number[][] = ps.map(() => []);
        let live = batch.map((_, i) => i);
        for (let step = 0; step < 32; step++) {
          if (n > 1 && step === 10) live = live.filter((i) => i !== 1); // member 1 finishes mid-batch
          if (n > 2 && step === 16) {
            // an inject into one member and a rewind of another, between batched steps
            await batch[0].inject([50, 51]);
            await solo[0].inject([50, 51]);
            await batch[2].rewind(3);
            await solo[2].rewind(3);
            got[2].length -= 3;
            want[2].length -= 3;
          }
          const results = await model.stepBatch(live.map((i) => batch[i]));
          results.forEach((r, k) => got[live[k]].push(r.token));
          for (const i of live) want[i].push((await solo[i].step()).token);
        }
        t.same(got, want, 'same greedy tokens');
        for (let i = 0; i < n; i++) {
          t.equal(batch[i].length, solo[i].length, `member ${i}: same length`);
          t.ok(close(await batch[i].logits(), await solo[i].logits()), `member ${i}: same logits`);
        }
        for (const s of [...batch, ...solo]) s.dispose();
      });
    }

    t.test('a batched step captures the hidden states a single step does', async (t) => {
      const [p1, p2] = prompts(40, [5, 9]);
      const a = model.createSession(), b = model.createSession(), c = model.createSession();
      await a.prefill(p1);
      await b.prefill(p2);
      await c.prefill(p2);
      const layers = [config.layers, 1];
      const [, rb] = await model.stepBatch([a, b], { captureLayers: layers });
      const rc = await c.step({ captureLayers: layers });
      t.equal(rb.token, rc.token);
      t.equal(rb.hidden?.length, 2);
      for (let l = 0; l < 2; l++) t.ok(close(rb.hidden![l], rc.hidden![l]), `layer ${layers[l]}`);
      for (const s of [a, b, c]) s.dispose();
    });

    t.test('bad batches give typed errors and leave every member usable', async (t) => {
      const other = await loadModel(makeTinyModel(config, 4).path);
      t.teardown(() => other.dispose());
      const a = model.createSession({ contextLength: 16 }), b = model.createSession({ contextLength: 16 });
      const foreign = other.createSession();
      await a.prefill(prompt.slice(0, 4));
      await b.prefill(new Array(15).fill(7));
      await foreign.prefill([1, 2]);
      await t.rejects(model.stepBatch([]), InvalidArgumentError, 'empty batch');
      await t.rejects(model.stepBatch([a, foreign]), InvalidArgumentError, 'a session of another model');
      await t.rejects(model.stepBatch([a, a]), InvalidArgumentError, 'a session twice');
      await t.rejects(model.stepBatch([a, b], { sampling: [{}] }), InvalidArgumentError, 'sampling options for the wrong count');
      await model.stepBatch([a, b]); // b is now full
      t.equal(b.length, 16);
      await t.rejects(model.stepBatch([a, b]), ContextOverflowError, 'one member full');
      t.equal(a.length, 5, 'the failed batch moved no member');
      const gone = model.createSession();
      await gone.prefill([3]);
      gone.dispose();
      await t.rejects(model.stepBatch([a, gone]), DisposedError, 'a disposed member');
      const fresh = model.createSession();
      await fresh.prefill(a.tokens);
      const [ra] = await model.stepBatch([a]);
      t.equal(ra.token, (await fresh.step()).token, 'the other member still steps correctly');
      await t.rejects(a.fork({ seed: -1 }), InvalidArgumentError);
      for (const s of [a, b, foreign, fresh]) s.dispose();
    });
  });
}

t.test('batched generate drops finished members and keeps the rest batched', async (t) => {
  const tiny = makeTinyModel(TINY_QWEN2, 3);
  const model = await loadModel(tiny.path);
  t.teardown(() => model.dispose());
  const ps = prompts(50, [4, 8, 6]);
  const sessions: Session[] = [];
  for (const p of ps) {
    const s = model.createSession();
    await s.prefill(p);
    sessions.push(s);
  }
  const budgets = [5, 12, 20];
  const seen: number[][] = ps.map(() => []);
  const gen = model.generateBatch(sessions, budgets.map((maxTokens) => ({ maxTokens, stopTokens: [] })));
  let r = await gen.next();
  while (!r.done) {
    seen[r.value.index].push(r.value.token);
    r = await gen.next();
  }
  const summaries = r.value;
  t.same(summaries.map((s) => s.tokens.length), budgets, 'each member ran to its own budget');
  t.same(summaries.map((s) => s.reason), ['max_tokens', 'max_tokens', 'max_tokens']);
  t.same(summaries.map((s) => s.tokens), seen, 'the summaries hold the yielded tokens');
  for (const [i, p] of ps.entries()) {
    const solo = model.createSession();
    await solo.prefill(p);
    const summary = await (async () => {
      const g = solo.generate({ maxTokens: budgets[i], stopTokens: [] });
      let x = await g.next();
      while (!x.done) x = await g.next();
      return x.value;
    })();
    t.same(summary.tokens, seen[i], `member ${i} equals its own generate`);
    solo.dispose();
  }
  for (const s of sessions) s.dispose();
});

t.test('200 fork / batched step / dispose cycles leave RSS flat', async (t) => {
  const tiny = makeTinyModel(TINY_QWEN2, 5);
  const model = await loadModel(tiny.path);
  t.teardown(() => model.dispose());
  const root = model.createSession({ contextLength: 64 });
  await root.prefill([1, 2, 3, 4, 5, 6]);
  const cycle = async () => {
    const forks = [await root.fork(), await root.fork(), await root.fork()];
    await model.stepBatch(forks);
    await model.stepBatch(forks, { sampling: { temperature: 1, topK: 20 } });
    for (const f of forks) f.dispose();
  };
  for (let i = 0; i < 100; i++) await cycle(); // warm the allocators
  const { points, slopeMiBPerRun: slope } = await rssTrend(4, 50, cycle);
  t.comment(`RSS (MiB) after 0..200 cycles: ${points.map(([, y]) => y.toFixed(1)).join(', ')}; trend ${(slope * 200).toFixed(1)} MiB per 200`);
  // Each cycle copies three caches (~270 KiB each at capacity 256): a leak of them would
  // add ~160 MiB over 200 cycles.
  t.ok(slope * 200 < 4, 'RSS trend below 4 MiB per 200 cycles');
  root.dispose();
});

t.test('default model: fork and batched decode', async (t) => {
  const model = await loadModel(await defaultModelPath());
  t.teardown(() => model.dispose());
  const prompt = await model.tokenizer.encode(model.renderChat([{ role: 'user', content: 'Write a Python function that reverses a string.' }]));

  t.test('a fork equals a fresh prefill: 32 greedy tokens', async (t) => {
    const parent = model.createSession();
    await parent.prefill(prompt);
    const fork = await parent.fork();
    const fresh = model.createSession();
    await fresh.prefill(prompt);
    t.ok(close(await fork.logits(), await fresh.logits()), 'same logits');
    t.same(await greedy(fork, 32), await greedy(fresh, 32));
    for (const s of [parent, fork, fresh]) s.dispose();
  });

  t.test('4 forks batched equal 4 single sessions', async (t) => {
    const root = model.createSession();
    await root.prefill(prompt);
    const suffixes = [[], await model.tokenizer.encode('Sure'), await model.tokenizer.encode('Here is'), await model.tokenizer.encode('def')];
    const batch: Session[] = [], solo: Session[] = [];
    for (const suffix of suffixes) {
      const f = await root.fork();
      if (suffix.length) await f.inject(suffix);
      const s = model.createSession();
      await s.prefill([...prompt, ...suffix]);
      batch.push(f);
      solo.push(s);
    }
    const got: number[][] = suffixes.map(() => []);
    for (let i = 0; i < 32; i++) (await model.stepBatch(batch)).forEach((r, k) => got[k].push(r.token));
    const want = await Promise.all(solo.map((s) => greedy(s, 32)));
    t.same(got, want, 'same greedy tokens');
    for (let k = 0; k < 4; k++) t.ok(close(await batch[k].logits(), await solo[k].logits()), `member ${k}: same logits`);
    for (const s of [root, ...batch, ...solo]) s.dispose();
  });

  t.test('seeded sampling: reproducible, seeds differ, forks draw their own streams', async (t) => {
    const sample = async (seed: number) => {
      const s = model.createSession();
      await s.prefill(prompt);
      const g = s.generate({ maxTokens: 64, stopTokens: [], sampling: { temperature: 1, seed } });
      let r = await g.next();
      while (!r.done) r = await g.next();
      s.dispose();
      return r.value.tokens;
    };
    const a = await sample(7), b = await sample(7), c = await sample(8);
    t.same(a, b, 'the same seed reproduces exactly');
    t.not(a.join(), c.join(), 'another seed differs');
    t.ok(new Set(a).size > 16, `a seeded 64-token sample is not one token repeated (${new Set(a).size} distinct)`);
    const root = model.createSession({ seed: 3 });
    await root.prefill(prompt);
    const f1 = await root.fork(), f2 = await root.fork(), f3 = await root.fork({ seed: 99 }), f4 = await root.fork({ seed: 99 });
    const hot = { sampling: { temperature: 1.5 } };
    const draws: number[][] = [[], [], [], []];
    for (let i = 0; i < 12; i++) (await model.stepBatch([f1, f2, f3, f4], hot)).forEach((r, k) => draws[k].push(r.token));
    t.not(draws[0].join(), draws[1].join(), 'sibling forks draw different streams');
    t.same(draws[2], draws[3], 'forks given the same seed draw the same');
    for (const s of [root, f1, f2, f3, f4]) s.dispose();
  });
});
