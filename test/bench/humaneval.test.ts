import * as path from 'node:path';
import t from 'tap';
import { loadHumanEval } from '../../lib/bench';

const SAMPLE = path.join(__dirname, 'data/humaneval-sample.jsonl');

t.test('loads HumanEval-format JSONL as python function tasks', async (t) => {
  const tasks = await loadHumanEval(SAMPLE);
  t.same(tasks.map((x) => x.id), ['Sample/0', 'Sample/1', 'Sample/2']);
  const [add, belowZero] = tasks;
  t.match(add, { kind: 'function', language: 'python', entryPoint: 'add', source: 'humaneval' });
  // The model sees the signature and docstring in a fence, never the check function.
  t.match(add.prompt, /```python\ndef add\(x: int, y: int\) -> int:/);
  t.notMatch(add.prompt, /check|candidate/);
  t.equal(add.hiddenTests.length, 1);
  t.match(add.hiddenTests[0], /def check\(candidate\):[\s\S]*\ncheck\(add\)$/);
  t.equal(add.solution, 'def add(x: int, y: int) -> int:\n    """Add two numbers x and y\n    >>> add(2, 3)\n    5\n    >>> add(5, 7)\n    12\n    """\n    return x + y\n');
  t.same(add.examples, ['assert add(2, 3) == 5', 'assert add(5, 7) == 12']);
  t.same(belowZero.examples, ['assert below_zero([1, 2, 3]) == False', 'assert below_zero([1, 2, -4, 5]) == True']);
});

t.test('a line without a required field is an error that names the line', async (t) => {
  const fs = await import('node:fs/promises');
  const os = await import('node:os');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'he-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bad.jsonl');
  await fs.writeFile(file, '{"task_id": "x", "prompt": "def f(): pass", "entry_point": "f"}\n');
  await t.rejects(loadHumanEval(file), /bad\.jsonl:1: missing test/);
});

t.test('JavaScript and TypeScript problems in the same shape run through the JS sandbox', async (t) => {
  const { Sandbox } = await import('../../lib/sandbox');
  const { checkCode } = await import('../../lib/bench');
  const tasks = await loadHumanEval(path.join(__dirname, 'data/humaneval-js-sample.jsonl'));
  t.same(tasks.map((x) => [x.id, x.language]), [['JsSample/0', 'javascript'], ['TsSample/0', 'typescript']]);
  const [js, ts] = tasks;
  t.match(js.prompt, /Complete this JavaScript function[\s\S]*```javascript\n\/\* Add two numbers/);
  t.match(ts.prompt, /```typescript\n/);
  t.notMatch(js.hiddenTests[0], /require/, 'the module import is dropped: the sandbox provides assert');
  const sandbox = await Sandbox.create();
  t.teardown(() => sandbox.dispose());
  for (const task of tasks) {
    t.match(await checkCode(sandbox, task, task.solution), { passed: true, syntaxValid: true }, `${task.id}: the reference solution passes`);
    const wrong = task.solution!.replace('x + y', 'x - y').replace('=== 0', '=== 1');
    t.match(await checkCode(sandbox, task, wrong), { passed: false }, `${task.id}: a wrong solution fails`);
  }
});
