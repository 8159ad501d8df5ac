// Chats on the real default model: each turn reuses the cached conversation (token counts),
// and reuse changes nothing (greedy answers equal a fresh generation over the same history);
// history is plain data that restores a chat; rewindTo and aborts leave consistent state.
import t from 'tap';
import { AbortError, Chat, Generator, InvalidArgumentError, type GenerationResult } from '../../lib';
import { collectEvents } from '../fixtures/collectEvents';
import { loadExpertModel } from '../fixtures/expertModel';

t.test('default model', async (t) => {
  const { model, experts } = await loadExpertModel(t);
  const options = { system: 'You are a helpful assistant.', maxTokens: 40, sampling: { temperature: 0 } };
  const liveSessions = () => (model as unknown as { sessions: Set<unknown> }).sessions.size;
  const fresh = (history: Chat['history'], prompt: string) =>
    new Generator(model, options).generate({ prompt, system: options.system, history });

  t.test('turns reuse the cached prefix and answer as a fresh generation would', async (t) => {
    const chat = model.createChat(options);
    t.teardown(() => chat.dispose());
    const first = await chat.ask('Name a colour.');
    t.equal(first.reusedTokens, 0, 'the first turn prefills everything');
    const second = await chat.ask('Name another one.');
    t.ok(second.reusedTokens! >= first.promptTokens, `the second turn reuses at least the first prompt (${second.reusedTokens} of ${second.promptTokens})`);
    t.ok(second.promptTokens - second.reusedTokens! < second.promptTokens / 2, 'and prefills less than half of its prompt');
    t.equal(chat.turns, 2);
    t.same(chat.history.map((m) => m.role), ['user', 'assistant', 'user', 'assistant']);
    t.equal(chat.history[3].content, second.answer);
    const again = await fresh(chat.history.slice(0, 2), 'Name another one.');
    t.equal(second.answer, again.answer, 'the reused cache gives the answer of a full prefill');
    t.equal(liveSessions(), 1, 'one live session, the chat’s');
  });

  t.test('history is plain data: saved as JSON, it restores the chat', async (t) => {
    const chat = model.createChat(options);
    await chat.ask('Say hello.');
    const saved = JSON.parse(JSON.stringify(chat.history));
    const restored = model.createChat({ ...options, history: saved });
    t.same(restored.history, chat.history);
    const a = await chat.ask('And goodbye?');
    const b = await restored.ask('And goodbye?');
    t.equal(a.answer, b.answer, 'both continue alike');
    chat.dispose();
    restored.dispose();
    t.throws(() => model.createChat({ history: [{ role: 'assistant', content: 'hi' }] }), InvalidArgumentError, 'a history must start with a user message');
    t.throws(() => model.createChat({ history: [{ role: 'user', content: 'hi' }] }), InvalidArgumentError, 'and end with an answer');
  });

  t.test('rewindTo keeps the first turns; the next turn reuses them', async (t) => {
    const chat = model.createChat(options);
    t.teardown(() => chat.dispose());
    const first = await chat.ask('Name a fruit.');
    await chat.ask('Name a vegetable.');
    chat.rewindTo(1);
    t.equal(chat.turns, 1);
    const redo = await chat.ask('Name a tree.');
    t.ok(redo.reusedTokens! >= first.promptTokens, 'the kept turn is still cached');
    t.equal(redo.answer, (await fresh(chat.history.slice(0, 2), 'Name a tree.')).answer);
    t.throws(() => chat.rewindTo(5), InvalidArgumentError);
  });

  t.test('an aborted turn leaves the history as it was', async (t) => {
    const chat = model.createChat(options);
    t.teardown(() => chat.dispose());
    await chat.ask('Name a city.');
    const controller = new AbortController();
    let tokens = 0;
    const run = async () => {
      for await (const e of chat.send('Name a country.', { signal: controller.signal })) if (e.type === 'token' && ++tokens === 3) controller.abort();
    };
    await t.rejects(run(), AbortError);
    t.equal(chat.turns, 1, 'the aborted turn is not in the history');
    const next: GenerationResult = await chat.ask('Name a river.');
    t.equal(next.answer, (await fresh(chat.history.slice(0, 2), 'Name a river.')).answer, 'the next turn is unaffected');
  });

  t.test('experts and strategies take part in a chat', async (t) => {
    const chat = model.createChat({ ...options, experts, maxTokens: 120, strategy: 'best-of-n', bestOfN: { samples: 1 } });
    t.teardown(() => chat.dispose());
    const events = await collectEvents(chat.send('Write a Python function add(a, b) that returns a + b.', { tests: ['assert add(2, 3) == 5'] }));
    t.ok(events.some((e) => e.type === 'candidates'), 'best-of-n ran');
    const done = events.at(-1);
    if (done?.type !== 'done') return t.fail('no done event');
    t.equal(chat.history[1].content, done.result.answer);
    const follow = await chat.ask('Thanks.');
    t.ok(follow.reusedTokens! >= done.result.promptTokens, 'the next turn reuses the first prompt');
    t.equal(liveSessions(), 1, 'forks disposed; the chat’s session lives on');
  });
});
