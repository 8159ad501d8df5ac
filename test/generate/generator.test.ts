// The generator on the default model with the real compiler expert and sandbox.
import t from 'tap';
import { collectGarbage } from '../fixtures/gc';
import { AbortError, CompilerExpertPlugin, ExpertRegistry, Generator, InvalidArgumentError } from '../../lib';
import { collectEvents } from '../fixtures/collectEvents';
import { loadExpertModel } from '../fixtures/expertModel';

const collect = collectEvents;

t.test('generator with the compiler expert', async (t) => {
  const { model, sandbox, experts } = await loadExpertModel(t);

  t.test('a block is detected, executed, injected into the KV cache, and generation continues', async (t) => {
    const gen = new Generator(model, { experts, maxTokens: 24, injectPasses: true });
    const events = await collect(gen.run({
      prompt: 'Write a Python function add(a, b) that returns the sum.',
      assistantPrefix: '```python\ndef add(a, b):\n    return a + b\n\nprint(add(2, 3))\n```\n',
    }));
    const block = events.find((e) => e.type === 'code_block');
    t.ok(block, 'code_block event');
    const verdict = events.find((e) => e.type === 'expert_result');
    t.ok(verdict && verdict.type === 'expert_result' && verdict.verdict.ok, 'the block passed');
    t.match(verdict && verdict.type === 'expert_result' ? verdict.verdict.text : '', /✓ Executed successfully\nOutput: 5/);
    const injected = events.find((e) => e.type === 'injected');
    t.ok(injected && injected.type === 'injected' && injected.lengthAfter - injected.lengthBefore === injected.tokens, 'the session grew by exactly the injected tokens');
    const done = events.at(-1);
    t.equal(done?.type, 'done');
    if (done?.type !== 'done' || injected?.type !== 'injected') return;
    t.ok(done.result.transcript.includes(injected.text), 'the verdict is in the transcript');
    const after = events.slice(events.indexOf(injected)).filter((e) => e.type === 'token');
    t.ok(after.length > 0 || done.result.finish === 'stop_token', 'generation continued after the injection');
    t.equal(done.result.blocks.length, 1);
    t.equal(done.result.injectedTokens, injected.tokens);
  });

  t.test("forced failure (the seed's lst.sort() bug) gives a ⚠/✗ verdict and another round", async (t) => {
    const gen = new Generator(model, { experts, maxTokens: 48, maxRounds: 1 });
    const events = await collect(gen.run({
      prompt: 'Write a Python function sort(lst) that returns a sorted copy of the list.',
      assistantPrefix: '```python\ndef sort(lst):\n    return lst.sort()\n```\n',
      tests: ['assert sort([3, 1, 2]) == [1, 2, 3]'],
    }));
    const first = events.find((e) => e.type === 'expert_result');
    t.ok(first?.type === 'expert_result' && !first.verdict.ok, 'first verdict fails');
    t.match(first?.type === 'expert_result' ? first.verdict.text : '', /✗ assert sort\(\[3, 1, 2\]\) == \[1, 2, 3\] FAILED \(got None\)/);
    t.match(first?.type === 'expert_result' ? first.verdict.text : '', /⚠ sort\(\) returned None/);
    t.ok(events.some((e) => e.type === 'round' && e.round === 1), 'a correction round started');
  });

  t.test('a passing block mid-turn is reported, not injected (injectPasses defaults to false)', async (t) => {
    const gen = new Generator(model, { experts, maxTokens: 24 });
    const events = await collect(gen.run({
      prompt: 'Write a Python function add(a, b) that returns the sum.',
      assistantPrefix: '```python\ndef add(a, b):\n    return a + b\n\nprint(add(2, 3))\n```\n',
    }));
    const verdict = events.find((e) => e.type === 'expert_result');
    t.ok(verdict?.type === 'expert_result' && verdict.verdict.ok, 'the block passed');
    t.notOk(events.some((e) => e.type === 'injected'), 'nothing injected');
    const done = events.at(-1);
    if (done?.type !== 'done') return t.fail('no done event');
    t.equal(done.result.injectedTokens, 0);
    t.equal(done.result.blocks[0]?.ok, true, 'the block is in the summary');
    t.ok(events.some((e) => e.type === 'token'), 'the model went on with its own turn');
  });

  t.test('rewind-repair drops the failing block from the cache and asks again', async (t) => {
    // No sum passes this check: the first generated block fails, is rewound, and a hint is injected.
    const gen = new Generator(model, { experts, strategy: 'rewind-repair', maxTokens: 120, maxRounds: 1 });
    const promptText = model.renderChat([{ role: 'user', content: 'Write a Python function add(a, b) that returns the sum.' }]);
    const promptTokens = (await model.tokenizer.encode(promptText)).length;
    const events = await collect(gen.run({ prompt: 'Write a Python function add(a, b) that returns the sum.', tests: ['assert add(2, 3) == 6'] }));
    const failed = events.find((e) => e.type === 'expert_result' && !e.verdict.ok);
    const injected = events.find((e) => e.type === 'injected');
    const done = events.at(-1);
    if (failed?.type !== 'expert_result' || injected?.type !== 'injected' || done?.type !== 'done') return t.fail('expected a failed verdict, an injection and done');
    t.match(injected.text, /The code you were about to write failed:\n[\s\S]*✗ assert add\(2, 3\) == 6 FAILED/, 'the hint quotes the failing check');
    const tokensBefore = events.slice(0, events.indexOf(failed)).filter((e) => e.type === 'token');
    const textBefore = tokensBefore.map((e) => (e.type === 'token' ? e.text : '')).join('');
    const fenceAt = textBefore.indexOf('```');
    t.ok(fenceAt >= 0, 'the model opened a fence');
    t.ok(injected.lengthBefore < promptTokens + tokensBefore.length, 'the cache was rewound before the hint went in');
    t.ok(injected.lengthBefore >= promptTokens, 'but not into the prompt');
    const hintAt = done.result.transcript.indexOf(injected.text);
    t.notMatch(done.result.transcript.slice(0, hintAt), /```python\s*\ndef add/, 'the failed block is gone from the transcript before the hint');
    t.equal(done.result.blocks[0]?.ok, false);
  });

  t.test('with the expert off, output equals plain greedy generation token for token', async (t) => {
    const prompt = 'Write a JavaScript function that doubles a number.';
    const gen = new Generator(model, { experts, expert: false, maxTokens: 40 });
    const events = await collect(gen.run({ prompt }));
    const tokens = events.flatMap((e) => (e.type === 'token' ? [e.token] : []));
    t.notOk(events.some((e) => e.type === 'expert_result'), 'no expert ran');
    const s = model.createSession();
    await s.prefill(await model.tokenizer.encode(model.renderChat([{ role: 'user', content: prompt }])));
    const plain: number[] = [];
    const it = s.generate({ maxTokens: 40 });
    for await (const x of it) plain.push(x.token);
    s.dispose();
    t.same(tokens, plain);
  });

  t.test('bad input and aborts: clear errors, no hang', async (t) => {
    const gen = new Generator(model, { experts, maxTokens: 200 });
    await t.rejects(gen.generate({ prompt: '   ' }), InvalidArgumentError, 'empty prompt');
    const ac = new AbortController();
    const it = gen.run({ prompt: 'Count from 1 to 100.' }, { signal: ac.signal });
    let n = 0;
    await t.rejects((async () => {
      for await (const e of it) if (e.type === 'token' && ++n === 5) ac.abort();
    })(), AbortError, 'abort mid-generation');
    t.equal(n, 5);
    // A block that never terminates: the sandbox times out, the loop goes on.
    const slow = new ExpertRegistry().register(new CompilerExpertPlugin({ sandbox, limits: { timeoutMs: 500 } }));
    const events = await collect(new Generator(model, { experts: slow, maxTokens: 8, maxRounds: 1 }).run({
      prompt: 'Loop forever.',
      assistantPrefix: '```python\nwhile True:\n    pass\n```\n',
    }));
    const v = events.find((e) => e.type === 'expert_result');
    t.equal(v?.type === 'expert_result' ? v.verdict.status : '', 'timeout', 'timeout verdict');
    t.equal(events.at(-1)?.type, 'done', 'generation finished');
  });

  t.test('many short generations (with aborts) leave RSS flat', async (t) => {
    const gen = new Generator(model, { expert: false, maxTokens: 3 });
    const once = async (i: number) => {
      if (i % 3 === 2) {
        const ac = new AbortController();
        ac.abort();
        await t.rejects(gen.generate({ prompt: `Say ${i}.` }, { signal: ac.signal }), AbortError);
      } else {
        await gen.generate({ prompt: `Say ${i}.` });
      }
    };
    for (let i = 0; i < 20; i++) await once(i);
    collectGarbage();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 80; i++) await once(i);
    collectGarbage();
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    t.comment(`RSS change over 80 generations: ${grown.toFixed(1)} MiB`);
    t.ok(grown < 16, 'RSS grew less than 16 MiB');
  });

  t.test('two generations at once do not interfere', async (t) => {
    const gen = new Generator(model, { expert: false, maxTokens: 16 });
    const a = { prompt: 'Name a color.' }, b = { prompt: 'Name an animal.' };
    const soloA = (await gen.generate(a)).answer, soloB = (await gen.generate(b)).answer;
    const [ca, cb] = await Promise.all([gen.generate(a), gen.generate(b)]);
    t.equal(ca.answer, soloA);
    t.equal(cb.answer, soloB);
  });
});
