// The default model (SmolLM2-135M Q4_1) on our runtime vs llama.cpp (node-llama-cpp,
// an independent implementation) on the same GGUF: tokenizer ids and greedy output.
import t from 'tap';
import { loadModel } from '../../lib';
import { defaultModelPath } from '../fixtures/defaultModel';
import { loadReference } from '../fixtures/llamaCpp';

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

const PROMPTS = [
  'Write a Python function that adds two numbers.',
  'What is the capital of France?',
  'Write a JavaScript function to reverse a string.',
  'Explain recursion in one sentence.',
  'List three prime numbers.',
  'Write a haiku about the sea.',
  'def fibonacci(n):',
  'Translate "good morning" to Spanish.',
  'What does HTTP stand for?',
  'Write a TypeScript interface for a user with a name and an age.',
];

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
    t.ok(worst < 0.05, 'every token probability within 0.05');
  });

  t.test(`greedy ${N} tokens on ${PROMPTS.length} prompts`, async (t) => {
    let positions = 0, agree = 0, identical = 0, maxGap = 0;
    for (const prompt of PROMPTS) {
      const ids = Array.from(await model.tokenizer.encode(model.renderChat([{ role: 'user', content: prompt }])));
      const theirs = await ref.greedy(ids, N);
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
    const rate = agree / positions;
    t.comment(`identical greedy sequences: ${identical}/${PROMPTS.length}; teacher-forced top-1 agreement ${(100 * rate).toFixed(2)}% of ${positions} positions; largest logit gap where they differ ${maxGap.toFixed(3)}`);
    // llama.cpp quantizes activations to 8 bits (Q8_1) for its Q4_1 dot products and
    // keeps the KV cache in f16; we keep both in float32. On this small model the top
    // two tokens are often within a few percent, so those roundings flip some near-ties
    // (measured: 96.2% agreement, largest gap 0.28). Any real numerical bug shows up
    // as gaps of several logits and agreement far lower.
    t.ok(rate >= 0.95, 'top-1 agreement >= 95% of positions');
    t.ok(maxGap < 0.5, 'every disagreement is a near-tie (logit gap < 0.5)');
    t.ok(identical >= 2, 'some greedy sequences are identical token for token');
  });
});
