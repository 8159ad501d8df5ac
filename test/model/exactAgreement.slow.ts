// Slow measurement (about 6 minutes; not part of `npm test`): teacher-forced top-1
// agreement between three implementations of the default model, on llama.cpp's greedy
// continuations of the parity prompts:
//   ours (int8 activations), llama.cpp (Q8 activations, f16 KV), and the exact float64
//   forward pass of the same GGUF (test/fixtures/ggufReference.ts).
// It shows how far llama.cpp itself is from exact arithmetic, the yardstick for the
// parity test's thresholds.   Run: npm run parity:exact
import t from 'tap';
import { loadModel } from '../../lib';
import { defaultModelPath } from '../fixtures/defaultModel';
import { ggufReference } from '../fixtures/ggufReference';
import { loadReference } from '../fixtures/llamaCpp';
import { referenceForward } from '../fixtures/referenceForward';
import { PARITY_PROMPTS } from './parityPrompts';

const argmax = (a: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
};

t.test('top-1 agreement: ours, llama.cpp and the exact forward pass', async (t) => {
  const path = await defaultModelPath();
  const exactModel = await ggufReference(path);
  const model = await loadModel(path);
  const ref = await loadReference(path);
  t.teardown(async () => {
    model.dispose();
    await ref.dispose();
  });
  let n = 0;
  const agree = { oursLlama: 0, exactLlama: 0, exactOurs: 0 };
  for (const prompt of PARITY_PROMPTS) {
    const ids = Array.from(await model.tokenizer.encode(model.renderChat([{ role: 'user', content: prompt }])));
    const theirs = await ref.greedy(ids, 32);
    const exact = referenceForward(exactModel, [...ids, ...theirs], { int8Activations: false }).logits;
    const s = model.createSession();
    await s.prefill(ids);
    for (let i = 0; i < theirs.length; i++) {
      const ours = argmax(await s.logits()), e = argmax(exact[ids.length - 1 + i]);
      n++;
      agree.oursLlama += Number(ours === theirs[i]);
      agree.exactLlama += Number(e === theirs[i]);
      agree.exactOurs += Number(e === ours);
      await s.inject([theirs[i]]);
    }
    s.dispose();
  }
  const pct = (k: number) => `${((100 * k) / n).toFixed(1)}%`;
  t.comment(`${n} positions: ours vs llama.cpp ${pct(agree.oursLlama)}, exact vs llama.cpp ${pct(agree.exactLlama)}, exact vs ours ${pct(agree.exactOurs)}`);
  for (const [pair, k] of Object.entries(agree)) t.ok(k / n >= 0.95, `${pair} agree on at least 95% of positions`);
});
