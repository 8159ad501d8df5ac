// The default model (SmolLM2-135M Q4_1) on our runtime vs llama.cpp (node-llama-cpp,
// an independent implementation) on the same GGUF: tokenizer ids and greedy output;
// and both against the exact float64 forward pass of that GGUF (test fixture).
//
// Both runtimes round each quantized layer's input to int8 per group of 32 (llama.cpp's
// Q8_1/Q8_0; our kernels do the same, see native/kernels/quantized_linear.cc), each
// with its own summation order, so each sits a little off the exact pass, in its own
// direction. Measured on these prompts (largest next-token probability difference):
// llama.cpp vs exact 0.016-0.029, ours vs exact 0.018-0.065, the float64 model of our
// int8 rounding vs exact 0.025-0.048; stock MLX's float32 path vs exact < 1e-4.
import t from 'tap';
import { loadModel } from '../../lib';
import { defaultModelPath } from '../fixtures/defaultModel';
import { ggufReference } from '../fixtures/ggufReference';
import { loadReference } from '../fixtures/llamaCpp';
import { referenceForward } from '../fixtures/referenceForward';
import { PARITY_PROMPTS } from './parityPrompts';

const CORPUS = [
  'Hello, world!',
  'def sort(lst):\n    return sorted(lst)\n',
  'function add(a, b) {\n\treturn a + b;\n}\n',
  'const x: Array<number> = [1, 2, 3]; // typed',
  '    four spaces, then\ttab\t\tand  double  spaces   end   ',
  '\n\n\nnewlines\r\nand CRLF\r\n',
  'Ünïcödé: naïve café, 東京, Привет, 🚀🔥 emoji, and ∑ math ≤ ≥',
  'numbers 1234567890 3.14159 -42 1e-9 0x1F',
  "it's we're they've I'm you'll he'd",
  '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
  '```python\nprint("hi")\n```',
  'x' + ' '.repeat(17) + 'y',
];

const PROMPTS = PARITY_PROMPTS;

const N = 32;

t.test('tokenizer and greedy decoding match llama.cpp', async (t) => {
  const path = await defaultModelPath();
  const ref = await loadReference(path);
  const model = await loadModel(path);
  t.teardown(async () => {
    model.dispose();
    await ref.dispose();
  });

  t.test('token ids equal llama.cpp on the corpus', async (t) => {
    for (const text of CORPUS) t.same(Array.from(await model.tokenizer.encode(text)), ref.tokenize(text), JSON.stringify(text).slice(0, 40));
    for (const text of CORPUS) t.equal(model.tokenizer.decode(await model.tokenizer.encode(text)), text, 'decode(encode(x)) === x');
  });

  const softmax = (logits: ArrayLike<number>) => {
    const max = Math.max(...Array.from(logits));
    let z = 0;
    for (let i = 0; i < logits.length; i++) z += Math.exp(logits[i] - max);
    return Float64Array.from(logits, (v) => Math.exp(v - max) / z);
  };

  t.test('next-token distribution matches the exact float64 forward pass', async (t) => {
    const exactModel = await ggufReference(path);
    const ids = Array.from(await model.tokenizer.encode(model.renderChat([{ role: 'user', content: PROMPTS[0] }])));
    const exact = softmax(referenceForward(exactModel, ids, { int8Activations: false }).logits[ids.length - 1]);
    const s = model.createSession();
    await s.prefill(ids);
    const ours = softmax(await s.logits());
    s.dispose();
    let worst = 0, best = 0, exactBest = 0;
    for (let i = 0; i < exact.length; i++) {
      worst = Math.max(worst, Math.abs(ours[i] - exact[i]));
      if (ours[i] > ours[best]) best = i;
      if (exact[i] > exact[exactBest]) exactBest = i;
    }
    t.comment(`largest |probability difference| vs the exact pass: ${worst.toFixed(4)}`);
    t.equal(best, exactBest, 'same most likely token');
    t.ok(worst < 0.07, 'every token probability within 0.07 of the exact pass');
  });

  t.test('next-token distributions agree with llama.cpp', async (t) => {
    let worst = 0;
    for (const prompt of PROMPTS) {
      const ids = Array.from(await model.tokenizer.encode(model.renderChat([{ role: 'user', content: prompt }])));
      const theirs = await ref.probabilities(ids);
      const s = model.createSession();
      await s.prefill(ids);
      const logits = await s.logits();
      s.dispose();
      const max = Math.max(...logits);
      let z = 0;
      for (const v of logits) z += Math.exp(v - max);
      for (const [tok, p] of theirs) worst = Math.max(worst, Math.abs(p - Math.exp(logits[tok] - max) / z));
    }
    t.comment(`largest |probability difference| over ${PROMPTS.length} prompts: ${worst.toFixed(4)}`);
    // Two independent roundings, each up to ~0.05 off the exact pass (see the top).
    t.ok(worst < 0.1, 'every token probability within 0.1');
  });

  t.test(`greedy ${N} tokens on ${PROMPTS.length} prompts`, async (t) => {
    let positions = 0, agree = 0, identical = 0, maxGap = 0, selfAgree = 0;
    for (const prompt of PROMPTS) {
      const ids = Array.from(await model.tokenizer.encode(model.renderChat([{ role: 'user', content: prompt }])));
      const theirs = await ref.greedy(ids, N);
      // llama.cpp against itself: the same sequence in one batch (its other attention path).
      const batch = await ref.batchTop1([...ids, ...theirs.slice(0, -1)], theirs.length - 1);
      selfAgree += batch.filter((tok, i) => tok === theirs[i]).length;
      // Ours, free-running.
      const s = model.createSession();
      await s.prefill(ids);
      const ours: number[] = [];
      for (let i = 0; i < theirs.length; i++) ours.push((await s.step()).token);
      if (ours.join() === theirs.join()) identical++;
      s.dispose();
      // Ours, teacher-forced on llama.cpp's tokens: top-1 agreement at every position.
      const f = model.createSession();
      await f.prefill(ids);
      for (const tok of theirs) {
        const logits = await f.logits();
        let best = 0;
        for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        positions++;
        if (best === tok) agree++;
        else maxGap = Math.max(maxGap, logits[best] - logits[tok]);
        await f.inject([tok]);
      }
      f.dispose();
    }
    const rate = agree / positions, selfRate = selfAgree / positions;
    t.comment(`identical greedy sequences: ${identical}/${PROMPTS.length}; teacher-forced top-1 agreement ${(100 * rate).toFixed(2)}% of ${positions} positions; largest logit gap where they differ ${maxGap.toFixed(3)}`);
    t.comment(`llama.cpp against its own greedy tokens, evaluating each sequence in one batch: ${(100 * selfRate).toFixed(2)}%`);
    // The two runtimes differ by float rounding: both round activations to int8 (see
    // the top), each its own way, and both keep the KV cache in f16. On this small model
    // the top two tokens are often within a few percent, so roundings flip some
    // near-ties: the exact float64 pass of the same GGUF agrees with llama.cpp on only
    // 96.2% of these positions (npm run parity:exact), ours on 97.3% (96.2% with a
    // float32 cache; largest gap 0.18-0.29). llama.cpp is no closer to itself: a batch of
    // 64+ tokens runs its float32 tiled attention, a decode step its f16 one (f16 queries,
    // an f16 running sum of values), and that alone flips 2-3% of positions (96.97-98.11%
    // here; 98.95% on the 1.5B coder model, where ours gets 97.9%). So the bar is
    // llama.cpp's agreement with itself, give or take a few near-ties; a real bug shows
    // as gaps of several logits.
    t.ok(rate >= selfRate - 0.03, `top-1 agreement within 3 points of llama.cpp's agreement with itself`);
    t.ok(rate >= 0.95, 'top-1 agreement >= 95% of positions');
    t.ok(maxGap < 0.5, 'every disagreement is a near-tie (logit gap < 0.5)');
    t.ok(identical >= 2, 'some greedy sequences are identical token for token');
  });
});
