import t from 'tap';
import { ExpertContext, ExpertRegistry, ExpertVerdict, MathExpertPlugin, VirtualExpertPlugin } from '../../lib/experts';

/** A third-party expert as a user would write one: answers "How many words: <text>?". */
class WordCountExpert implements VirtualExpertPlugin {
  readonly name = 'word-count';
  readonly description = 'Counts the words of a quoted text.';
  readonly priority = 5;
  canHandle(context: ExpertContext): boolean {
    return /How many words: "[^"]*"\?\s*$/.test(context.text);
  }
  async execute(context: ExpertContext): Promise<ExpertVerdict | undefined> {
    const quoted = /"([^"]*)"\?\s*$/.exec(context.text)?.[1] ?? '';
    const n = quoted.split(/\s+/).filter(Boolean).length;
    return { expert: this.name, ok: true, status: 'ok', text: String(n), message: `${n} words`, blocks: [], tests: [], warnings: [], durationMs: 0 };
  }
}

function fake(name: string, priority: number, handles: boolean, run: () => Promise<ExpertVerdict | undefined>, canHandle?: () => boolean): VirtualExpertPlugin {
  return { name, description: name, priority, canHandle: canHandle ?? (() => handles), execute: run };
}

t.test('picks the highest-priority expert that can handle the context', async (t) => {
  const registry = new ExpertRegistry().register(new MathExpertPlugin()).register(new WordCountExpert());
  t.same(registry.list().map((p) => p.name), ['math', 'word-count']);
  t.equal(registry.select({ text: 'How many words: "a b c"?' })?.name, 'word-count');
  t.equal(registry.select({ text: '2 + 2 =' })?.name, 'math');
  t.equal(registry.select({ text: 'nothing here' }), undefined);
  t.equal((await registry.execute({ text: 'How many words: "a b c"?' }))?.text, '3');
  t.equal((await registry.execute({ text: '2 + 2 =' }))?.text, '4');
  t.equal(await registry.execute({ text: 'plain prose' }), undefined);
});

t.test('equal priorities keep registration order; names are unique', async (t) => {
  const none = async () => undefined;
  const registry = new ExpertRegistry().register(fake('a', 1, true, none)).register(fake('b', 1, true, none)).register(fake('c', 2, false, none));
  t.same(registry.list().map((p) => p.name), ['c', 'a', 'b']);
  t.equal(registry.select({ text: '' })?.name, 'a');
  t.throws(() => registry.register(fake('a', 9, true, none)), /already registered/);
  t.ok(registry.unregister('a'));
  t.notOk(registry.unregister('a'));
  t.equal(registry.select({ text: '' })?.name, 'b');
  t.equal(registry.get('c')?.priority, 2);
});

t.test('a throwing expert becomes an expert_error verdict, not a crash', async (t) => {
  const registry = new ExpertRegistry().register(
    fake('broken', 3, true, async () => {
      throw new TypeError('cannot read x');
    }),
  );
  const verdict = await registry.execute({ text: 'anything' });
  t.equal(verdict?.status, 'expert_error');
  t.equal(verdict?.ok, false);
  t.equal(verdict?.text, '⚠ Expert broken failed: TypeError: cannot read x');

  const badCanHandle = new ExpertRegistry().register(
    fake('picky', 1, true, async () => undefined, () => {
      throw new Error('bad regex');
    }),
  );
  t.equal((await badCanHandle.execute({ text: '' }))?.status, 'expert_error', 'a throwing canHandle is reported too');
});

t.test('an aborted signal rejects instead of producing a verdict', async (t) => {
  const controller = new AbortController();
  const registry = new ExpertRegistry().register(
    fake('slow', 1, true, () => new Promise((_, reject) => controller.signal.addEventListener('abort', () => reject(new Error('stopped'))))),
  );
  const pending = registry.execute({ text: '' }, controller.signal);
  controller.abort(new Error('user stop'));
  await t.rejects(pending, /user stop/);
  await t.rejects(registry.execute({ text: '' }, controller.signal), /user stop/);
});

t.test('dispose reaches every expert and reports failures together', async (t) => {
  const disposed: string[] = [];
  const plugin = (name: string, fail: boolean): VirtualExpertPlugin => ({
    ...fake(name, 1, false, async () => undefined),
    dispose: async () => {
      disposed.push(name);
      if (fail) throw new Error(`${name} stuck`);
    },
  });
  const registry = new ExpertRegistry().register(plugin('x', false)).register(plugin('y', true));
  await t.rejects(registry.dispose(), /dispose failed/);
  t.same(disposed.sort(), ['x', 'y']);
});
