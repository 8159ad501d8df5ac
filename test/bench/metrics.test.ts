import t from 'tap';
import {
  echoesVerdict, extractCodeBlocks, formatProportion, hasLoop, judgeCoherence, loadRouter, parseConditions, parseShard, pickBlocks,
  median, renderChart, renderReport, selectTasks, summarizeByApproach, validateTask, wilson, type BenchRecord, type BenchTask,
} from '../../lib/bench';
import { ProbeModelMismatchError, RoutingProbe } from '../../lib/probe';
import type { Model } from '../../lib/runtime/Model';

t.test('wilson: known 95% intervals', async (t) => {
  const close = (a: number, b: number) => Math.abs(a - b) < 5e-4;
  const half = wilson(5, 10);
  t.ok(close(half.low, 0.2366) && close(half.high, 0.7634), JSON.stringify(half));
  const none = wilson(0, 10);
  t.ok(none.low === 0 && close(none.high, 0.2775), JSON.stringify(none));
  const all = wilson(10, 10);
  t.ok(close(all.low, 0.7225) && all.high === 1, JSON.stringify(all));
  t.match(wilson(0, 0), { rate: NaN, low: 0, high: 1 });
  t.equal(formatProportion(wilson(5, 10)), '50% (5/10, 24–76)');
  t.equal(formatProportion(wilson(0, 0)), 'n/a');
});

t.test('coherence rules', async (t) => {
  t.ok(hasLoop('x = compute(1)\nx = compute(1)\nx = compute(1)\n'), 'a line three times in a row');
  t.notOk(hasLoop('}\n}\n}\n'), 'short lines repeat legitimately');
  t.ok(hasLoop('The answer is 42. The answer is 42. The answer is 42. The answer'), 'a chunk repeating at the end');
  t.notOk(hasLoop('def f(x):\n    return x + 1\n\nprint(f(2))\n'));
  const answer = { turns: ['```python\nx = 1\n```\n', 'The check says ✗ assert f(1) == 2 FAILED (got 3) so I fix it.'], verdicts: ['\n✗ assert f(1) == 2 FAILED (got 3)\n'], finish: 'stop_token', promptTokens: 0, generatedTokens: 0, injectedTokens: 0 };
  t.ok(echoesVerdict(answer, 'Write f.'));
  t.notOk(echoesVerdict(answer, 'Hint: ✗ assert f(1) == 2 FAILED (got 3)'), 'a line the prompt already had is no echo');
  t.same(judgeCoherence({ ...answer, finish: 'max_tokens' }, true, 'p'), { stopped: false, noLoop: true, noEcho: false, finalCode: true });
});

t.test('code blocks: runnable ones only, first and final by entry point', async (t) => {
  const blocks = extractCodeBlocks(['Try:\n```python\ndef f(x):\n    return x\n```\nOutput:\n```text\n1\n```\n', '```py\ndef f(x):\n    return x + 1\n```\n```python\nprint(f(1))\n```\n```python\nunclosed']);
  t.same(blocks.map((b) => [b.turn, b.code]), [[0, 'def f(x):\n    return x'], [1, 'def f(x):\n    return x + 1'], [1, 'print(f(1))']]);
  const { first, final } = pickBlocks(blocks, 'f');
  t.equal(first?.code, 'def f(x):\n    return x');
  t.equal(final?.code, 'def f(x):\n    return x + 1');
  t.equal(pickBlocks(blocks, 'g').final?.code, 'print(f(1))', 'no block defines it: the last block');
  t.same(pickBlocks([], 'f'), { first: undefined, final: undefined });
  t.equal(pickBlocks(extractCodeBlocks(['```js\nconst sumAll = (a) => 0;\n```\n']), 'sumAll').final?.code, 'const sumAll = (a) => 0;');
});

const task = (id: string, kind: BenchTask['kind'], language: BenchTask['language']): BenchTask => ({ id, kind, language, prompt: 'p', entryPoint: 'f', hiddenTests: ['assert f() == 1'] });

t.test('limit is a stratified sample; shards split it', async (t) => {
  const tasks = [task('f1', 'function', 'python'), task('f2', 'function', 'python'), task('f3', 'function', 'python'), task('x1', 'fix', 'python'), task('j1', 'function', 'javascript'), task('m1', 'multistep', 'python')];
  // Groups in order of first appearance: function/python, fix/python, function/javascript, multistep/python.
  t.same(selectTasks(tasks, { limit: 4 }).map((x) => x.id), ['f1', 'x1', 'j1', 'm1']);
  t.same(selectTasks(tasks, { limit: 5 }).map((x) => x.id), ['f1', 'x1', 'j1', 'm1', 'f2']);
  t.same(selectTasks(tasks, { limit: 4, shard: parseShard('2/2') }).map((x) => x.id), ['x1', 'm1']);
  t.equal(selectTasks(tasks).length, 6);
  t.throws(() => parseShard('0/2'));
  t.throws(() => parseShard('3/2'));
  t.same(parseConditions('expert+tests, model-only'), ['expert+tests', 'model-only']);
  t.same(parseConditions(undefined), ['model-only', 'expert', 'expert+tests', 'expert+examples', 'best-of-n']);
  t.throws(() => parseConditions('expert,magic'), /unknown condition 'magic'/);
});

t.test('tasks are validated with the place named', async (t) => {
  t.throws(() => validateTask({ ...task('a', 'function', 'python'), kind: 'poem' }, 'suite.jsonl:3'), /suite\.jsonl:3: kind must be/);
  t.throws(() => validateTask({ ...task('a', 'function', 'python'), hiddenTests: [] }, 'x'), /hiddenTests/);
  t.ok(validateTask(task('a', 'fix', 'typescript'), 'x'));
});

const record = (taskId: string, condition: string, passed: boolean, extra: Partial<BenchRecord> = {}): BenchRecord => ({
  taskId, kind: 'function', language: 'python', condition, router: 'heuristic', blocks: 1,
  final: { syntaxValid: true, passed, status: passed ? 'ok' : 'test_failure', testsPassed: passed ? 2 : 0, testsTotal: 2 },
  selfCorrected: false, brokenByFeedback: false, coherent: true, coherence: { stopped: true, noLoop: true, noEcho: true, finalCode: true },
  finish: 'stop_token', promptTokens: 10, generatedTokens: 20, injectedTokens: 0, expertCalls: 0, wallMs: 1000, transcript: 'T', ...extra,
});

t.test('report: table in condition order, breakdowns, regressions with transcripts, chart', async (t) => {
  const records = [
    record('a', 'expert', true),
    record('b', 'expert', false, { brokenByFeedback: true, first: { syntaxValid: true, passed: true, status: 'ok', testsPassed: 2, testsTotal: 2 }, transcript: '```python\ndef f(): pass\n```\nverdict' }),
    record('a', 'model-only', true),
    record('b', 'model-only', false),
    record('a', 'expert', false, { router: 'probe' }),
  ];
  const md = renderReport(records, { chartFile: 'report.svg', note: 'Small sample.' });
  const rows = md.split('\n').filter((l) => /^\| (model-only|expert)/.test(l));
  t.match(rows[0], /^\| model-only \| 100% \(2\/2, 34–100\) \| 50% \(1\/2, 9–91\) \| n\/a \|/);
  t.match(rows[1], /^\| expert \| 100% \(2\/2, 34–100\) \| 50% \(1\/2/);
  t.match(rows[2], /^\| expert \(probe\) \| /);
  t.match(md, /## Semantically correct \(pass@1\) per kind/);
  t.match(md, /\| model-only \| 0\/2 \| 0\/2 \| 0\/2 \| 0\/2 \|/);
  t.match(md, /### b — expert\n/);
  t.match(md, /`````text\n```python\ndef f\(\): pass\n```\nverdict\n`````/);
  t.match(md, /!\[metrics per approach\]\(report\.svg\)/);
  const svg = renderChart(summarizeByApproach(records), 'A <title>');
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.match(svg, /A &lt;title&gt;/);
  t.equal((svg.match(/<svg/g) ?? []).length, (svg.match(/<\/svg>/g) ?? []).length);
});

t.test('report: wall time against model-only is the median of per-task ratios', async (t) => {
  // Task c's model-only row was timed beside other work (10 s): the mean would say 1.2×, the
  // per-task ratios are 2, 3 and 0.3, whose median is 2.
  const records = [
    record('a', 'model-only', true, { wallMs: 1000 }), record('a', 'best-of-n', true, { wallMs: 2000 }),
    record('b', 'model-only', true, { wallMs: 2000 }), record('b', 'best-of-n', true, { wallMs: 6000 }),
    record('c', 'model-only', true, { wallMs: 10000 }), record('c', 'best-of-n', true, { wallMs: 3000 }),
  ];
  const md = renderReport(records, {});
  const row = md.split('\n').find((l) => l.startsWith('| best-of-n | ') && l.includes('×'));
  t.match(row, /\| 3\.7 \/ 3\.0 \| 2\.00× \|$/, 'mean / median wall, median ratio');
  t.match(md.split('\n').find((l) => l.startsWith('| model-only | ') && l.includes('×')), /\| 1\.00× \|$/);
  t.equal(median([]), 0);
  t.equal(median([4, 1, 3, 2]), 2.5);
});

t.test('router hook: heuristic by default, a probe file, or the shipped probe', async (t) => {
  const model = { info: { id: 'm', name: 'm', hiddenSize: 8 } } as unknown as Model;
  t.same(await loadRouter('heuristic', model), {});
  t.match(await loadRouter('probe', model), { skipped: /needs --probe default\|FILE/ });
  await t.rejects(loadRouter('probe', model, '/nonexistent/probe.json'), /ENOENT|no such file/);
  // No probe ships for this model id: refused, not silently replaced.
  await t.rejects(loadRouter('probe', model, 'default'), ProbeModelMismatchError);
  const coder = { info: { id: 'bc27d32c9ea43de5', name: 'Qwen2.5 Coder 1.5B Instruct GGUF', hiddenSize: 1536 } } as unknown as Model;
  const { router } = await loadRouter('probe', coder, 'default');
  t.ok(router instanceof RoutingProbe, "the coder model's shipped probe");
  t.equal((router as RoutingProbe).captureLayer, 20);
});
