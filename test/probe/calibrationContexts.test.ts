import t from 'tap';
import { HeuristicRouter } from '../../lib/routing';
import { calibrationContexts, contextBlock, SNIPPETS } from '../../lib/probe';

const contexts = calibrationContexts();

t.test('a labelled set of at least 300 contexts across Python, JavaScript and TypeScript', async (t) => {
  t.ok(contexts.length >= 300, `${contexts.length} contexts`);
  t.equal(new Set(contexts.map((c) => c.id)).size, contexts.length, 'ids are unique');
  for (const lang of ['python', 'javascript', 'typescript'] as const) {
    const of = contexts.filter((c) => c.language === lang);
    t.ok(of.some((c) => c.label) && of.some((c) => !c.label), `${lang}: both labels`);
  }
  const frames = new Set(contexts.filter((c) => !c.label).map((c) => c.frame));
  for (const f of ['explain', 'partial', 'pseudo', 'output', 'shell']) t.ok(frames.has(f), `negatives include ${f}`);
  t.ok(contexts.some((c) => c.assistant === "```python\ndef foo():\n    return 1\n```\n" && c.label), "the seed's positives");
  t.ok(contexts.some((c) => c.assistant === 'What does this code do?' && !c.label), "the seed's negatives");
});

t.test('a fixed held-out split of about a quarter, by snippet', async (t) => {
  const held = contexts.filter((c) => c.heldOut);
  const share = held.length / contexts.length;
  t.ok(share > 0.2 && share < 0.3, `held out ${(share * 100).toFixed(0)}%`);
  t.ok(held.some((c) => c.label) && held.some((c) => !c.label));
  t.same(calibrationContexts().map((c) => c.heldOut), contexts.map((c) => c.heldOut), 'deterministic');
  // Framings of one snippet share its code: all of them are on the same side.
  for (const s of SNIPPETS) {
    const sides = new Set(contexts.filter((c) => c.id.startsWith(`${s.id}/`)).map((c) => c.heldOut));
    t.equal(sides.size, 1, `${s.id} is on one side`);
  }
});

t.test('each context ends at a trigger the router sees as a block', async (t) => {
  const byId = new Map(contexts.map((c) => [c.id, c]));
  const answer = contextBlock(byId.get('py-reverse/answer')!);
  t.match(answer, { language: 'python', code: /def reverse_string/ });
  t.match(contextBlock(byId.get('shell/0')!), { language: 'bash', code: 'pip install requests' });
  const bare = contexts.find((c) => c.frame === 'bare-run')!;
  t.match(contextBlock(bare), { language: undefined, code: /print|console\.log/ });
  t.equal(contextBlock(byId.get('seed-negative/0')!).code, '', 'prose only: an empty block');
  // The heuristics accept most negatives: this is what the probe is for.
  const heuristic = new HeuristicRouter();
  const accepted = contexts.filter((c) => !c.label && heuristic.route({ block: contextBlock(c) }).run);
  t.ok(accepted.length > 100, `${accepted.length} negatives pass the heuristics`);
});
