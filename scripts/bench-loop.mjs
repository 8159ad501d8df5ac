#!/usr/bin/env node
// Cost of the expert loop: (1) inject of a verdict vs re-prefilling the whole context
// at 1k and 4k tokens; (2) per code block, time in detector + router + expert + inject
// vs the time the model took to write the block (demo scenario); (3) first and warm verdict
// latency per language in this fresh process, the sandbox started while the model loaded (as
// `compiler-expert run` does). Table + JSON (--out).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { loadModel, resolveModelPath, Generator, defaultExperts } = require('../dist/index.js');
const args = process.argv.slice(2);
const flag = (k, d) => (args.includes(`--${k}`) ? args[args.indexOf(`--${k}`) + 1] : d);

// As `run` does: the sandbox host and its interpreters start while the model loads.
const started = performance.now();
const verdictExperts = defaultExperts();
const preparing = verdictExperts.prepare();
const model = await loadModel(await resolveModelPath(flag('model', 'default')));
const modelLoadMs = performance.now() - started;
await preparing;
const BLOCKS = {
  python: { code: 'def sort(lst):\n    return sorted(lst)\n', tests: ['assert sort([3, 1, 2]) == [1, 2, 3]'] },
  javascript: { code: 'function sort(a) {\n  return [...a].sort((x, y) => x - y);\n}\n', tests: ['assert.deepEqual(sort([3, 1, 2]), [1, 2, 3])'] },
  typescript: { code: 'function sort(a: number[]): number[] {\n  return [...a].sort((x, y) => x - y);\n}\n', tests: ['assert.deepEqual(sort([3, 1, 2]), [1, 2, 3])'] },
};
const verdicts = [];
for (const [language, b] of Object.entries(BLOCKS)) {
  const context = { text: '```' + language + '\n' + b.code + '```\n', tests: b.tests, language, block: { code: b.code, language } };
  const ms = [];
  for (let i = 0; i < 2; i++) {
    // The warm one comes a model turn later: time for the pool to refill, as in a generation.
    if (i > 0) await new Promise((r) => setTimeout(r, 1500));
    const t = performance.now();
    const v = await verdictExperts.execute(context);
    ms.push(performance.now() - t);
    if (!v || v.status === 'expert_error') throw new Error(`${language} verdict: ${JSON.stringify(v)}`);
  }
  verdicts.push({ language, firstMs: ms[0], warmMs: ms[1] });
  console.error(`[loop] ${language}: first verdict ${ms[0].toFixed(0)} ms, warm ${ms[1].toFixed(0)} ms`);
}
await verdictExperts.dispose();
const verdict = await model.tokenizer.encode('\n<|im_start|>user\nCompiler expert result:\n✗ assert sort([3, 1, 2]) == [1, 2, 3] FAILED (got None)\n⚠ sort() returned None<|im_end|>\n<|im_start|>assistant\n');
const rows = [];
for (const ctx of [1024, 4096]) {
  const base = Array.from({ length: ctx }, (_, i) => 300 + ((i * 7919) % 20000));
  const s = model.createSession({ contextLength: ctx + verdict.length + 8 });
  await s.prefill(base);
  let t = performance.now();
  await s.inject(verdict);
  const injectMs = performance.now() - t;
  s.dispose();
  const fresh = model.createSession({ contextLength: ctx + verdict.length + 8 });
  t = performance.now();
  await fresh.prefill([...base, ...verdict]);
  const reprefillMs = performance.now() - t;
  fresh.dispose();
  rows.push({ context: ctx, injectedTokens: verdict.length, injectMs, reprefillMs, speedup: reprefillMs / injectMs });
  console.error(`[loop] context ${ctx}: inject ${injectMs.toFixed(0)} ms, re-prefill ${reprefillMs.toFixed(0)} ms`);
}
const experts = defaultExperts();
const gen = new Generator(model, { experts, maxTokens: 120, maxRounds: 1 });
const result = await gen.generate({
  prompt: 'Write a Python function sort(lst) that returns a sorted copy of the list.',
  assistantPrefix: '```python\ndef sort(lst):\n    return lst.sort()\n```\n',
  tests: ['assert sort([3, 1, 2]) == [1, 2, 3]'],
});
await experts.dispose();
const perToken = result.timings.decodeMs / Math.max(1, result.generatedTokens);
const blocks = result.blocks.map(({ code, ...b }) => ({ ...b, codeChars: code.length }));
console.log('| context | injected tokens | inject ms | re-prefill ms | re-prefill / inject |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.context} | ${r.injectedTokens} | ${r.injectMs.toFixed(0)} | ${r.reprefillMs.toFixed(0)} | ${r.speedup.toFixed(1)}x |`);
console.log(`\nVerdict latency after the block closes (model loaded in ${modelLoadMs.toFixed(0)} ms while the sandbox started):\n`);
console.log('| language | first verdict ms | warm verdict ms |');
console.log('| --- | ---: | ---: |');
for (const v of verdicts) console.log(`| ${v.language} | ${v.firstMs.toFixed(0)} | ${v.warmMs.toFixed(0)} |`);
console.log('\n| block | status | writing it (decode) ms | expert ms | inject ms | loop / writing |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: |');
for (const b of result.blocks) console.log(`| ${b.index + 1} | ${b.status} | ${b.writeMs.toFixed(0)} | ${b.expertMs.toFixed(0)} | ${b.injectMs.toFixed(0)} | ${b.writeMs > 0 ? ((b.expertMs + b.injectMs) / b.writeMs).toFixed(2) : 'given'} |`);
const out = flag('out');
if (out) writeFileSync(out, JSON.stringify({ machine: { cpu: cpus()[0]?.model, cores: cpus().length }, inject: rows, modelLoadMs, verdicts, generation: { timings: result.timings, blocks, generatedTokens: result.generatedTokens, msPerToken: perToken } }, null, 2) + '\n');
model.dispose();
