import t from 'tap';
import { CompilerExpertPlugin, ExpertRegistry, MathExpertPlugin } from '../../lib/experts';
import { Sandbox } from '../../lib/sandbox';

const TIMEOUT_MS = 1500;
const fence = (tag: string, code: string) => `Here is the code:\n\`\`\`${tag}\n${code}\n\`\`\`\n`;

t.test('compiler expert on real sandbox runs', async (t) => {
  const sandbox = await Sandbox.create({ pythonPoolSize: 2, warm: ['python', 'javascript'] });
  t.teardown(() => sandbox.dispose());
  const expert = new CompilerExpertPlugin({ sandbox, limits: { timeoutMs: TIMEOUT_MS } });
  const judge = async (text: string, extra: { tests?: string[]; prompt?: string } = {}) => {
    const verdict = await expert.execute({ text, ...extra });
    if (verdict) t.ok(verdict.text.length <= 600, `verdict fits 600 chars (${verdict.text.length})`);
    return verdict;
  };

  t.test('python: correct code runs, prints, and its function passes generated checks', async (t) => {
    const v = await judge(fence('python', 'def sort_list(lst):\n    return sorted(lst)\n\nprint(sort_list([3, 1, 2]))'));
    t.equal(v?.status, 'ok');
    t.equal(v?.ok, true);
    t.match(v?.text, /^✓ Executed successfully\nOutput: \[1, 2, 3\]\n✓ \d+ generated checks passed$/);
    t.ok(v!.tests.length >= 3 && v!.tests.every((x) => x.passed));
    t.same(v?.blocks.map((b) => b.language), ['python']);
  });

  t.test("python: the seed's lst.sort() bug is caught and named", async (t) => {
    const v = await judge(fence('python', 'def sort(lst):\n    return lst.sort()  # Bug: .sort() returns None'));
    t.equal(v?.status, 'test_failure');
    t.equal(v?.ok, false);
    t.match(v?.text, /^✓ Executed successfully\n✗ assert sort\(\[3, 10, 2\]\) is not None FAILED \(got None\)\n/);
    t.match(v?.text, /\n⚠ sort\(\) returned None$/);
    t.same(v?.warnings, ['sort() returned None']);
  });

  t.test('python: non-terminating code times out', async (t) => {
    const v = await judge(fence('python', 'n = 0\nwhile True:\n    n += 1'));
    t.equal(v?.status, 'timeout');
    t.equal(v?.text, `✗ Timeout: no result within ${TIMEOUT_MS} ms (infinite loop?)`);
  });

  t.test('python: a syntax error is reported with its line, without running', async (t) => {
    const v = await judge(fence('py', 'def f(x):\n    return x +\n'));
    t.equal(v?.status, 'syntax_error');
    t.match(v?.text, /^SyntaxError: .+ \(line 2\)$/);
  });

  t.test('python: a runtime error names type, message and line', async (t) => {
    const v = await judge(fence('python3', 'values = [1, 2]\nprint(values[0])\nprint(values[5])'));
    t.equal(v?.status, 'runtime_error');
    t.equal(v?.text, '✗ Error: IndexError: list index out of range (line 3)\nOutput: 1');
  });

  t.test('python: caller tests and prompt asserts are run as given, failures show got', async (t) => {
    const v = await judge(fence('python', 'def add(a, b):\n    return a - b'), {
      tests: ['assert add(2, 2) == 4'],
      prompt: 'Write add(a, b).\nassert add(2, 3) == 5',
    });
    t.equal(v?.status, 'test_failure');
    t.match(v?.text, /✗ assert add\(2, 2\) == 4 FAILED \(got 0\)\n✗ assert add\(2, 3\) == 5 FAILED \(got -1\)/);
    t.same(v?.tests.slice(0, 2).map((x) => x.origin), ['caller', 'prompt']);
  });

  t.test('untagged block: language inferred (seed: print hello)', async (t) => {
    const v = await judge("Here's the code:\n```\nprint('hello')\n```");
    t.equal(v?.text, '✓ Executed successfully\nOutput: hello');
  });

  t.test('javascript: correct, buggy, non-terminating, syntax error', async (t) => {
    const ok = await judge(fence('js', 'function add(a, b) {\n  return a + b;\n}\nconsole.log(add(2, 3));'), { prompt: 'add(2, 3) should return 5' });
    t.equal(ok?.status, 'ok');
    t.match(ok?.text, /^✓ Executed successfully\nOutput: 5\n✓ assert\.deepEqual\(add\(2, 3\), 5\)/);

    const buggy = await judge(fence('javascript', 'function total(nums) {\n  nums.reduce((a, b) => a + b, 0);\n}'));
    t.equal(buggy?.status, 'test_failure');
    t.match(buggy?.text, /✗ assert\.notEqual\(total\(\[3, 10, 2\]\), undefined\) FAILED \(got undefined\)/);
    t.match(buggy?.text, /⚠ total\(\) returned undefined/);

    const loop = await judge(fence('node', 'let i = 0;\nwhile (i >= 0) { i++; }'));
    t.equal(loop?.status, 'timeout');
    t.match(loop?.text, /^✗ Timeout: /);

    const broken = await judge(fence('js', 'function f(a {\n  return a;\n}'));
    t.equal(broken?.status, 'syntax_error');
    t.match(broken?.text, /^SyntaxError: .+ \(line 1\)$/);

    const thrown = await judge(fence('js', 'const user = undefined;\nconsole.log(user.name);'));
    t.equal(thrown?.status, 'runtime_error');
    t.match(thrown?.text, /^✗ Error: TypeError: Cannot read properties of undefined \(reading 'name'\) \(line 2\)$/);
  });

  t.test('typescript: correct, buggy, non-terminating, syntax and type errors', async (t) => {
    const ok = await judge(fence('ts', 'function isPalindrome(s: string): boolean {\n  return s === [...s].reverse().join("");\n}\nconsole.log(isPalindrome("level"));'));
    t.equal(ok?.status, 'ok');
    t.match(ok?.text, /^✓ Executed successfully\nOutput: true\n✓ \d+ generated checks passed$/);

    const buggy = await judge(fence('typescript', 'function largest(nums: number[]): number {\n  let best = 0;\n  for (const n of nums) if (n > best) best = n;\n  return best;\n}'));
    t.equal(buggy?.status, 'test_failure');
    t.match(buggy?.text, /✗ assert\(\[-3, -7, -2\]\.includes\(largest\(\[-3, -7, -2\]\)\)\) FAILED/);

    const loop = await judge(fence('ts', 'function spin(): number {\n  for (;;) {}\n}\nspin();'));
    t.equal(loop?.status, 'timeout');

    const broken = await judge(fence('ts', 'const x: number = ;'));
    t.equal(broken?.status, 'syntax_error');
    t.match(broken?.text, /^SyntaxError: Expression expected\. \(line 1\)$/);

    const typed = await judge(fence('ts', 'const n: number = "one";\nconsole.log(n);'));
    t.equal(typed?.status, 'syntax_error');
    t.match(typed?.text, /^✗ Error: TypeError: TS2322: Type 'string' is not assignable to type 'number'\. \(line 1\)$/);
  });

  t.test('shell, output and unknown-language blocks get no verdict', async (t) => {
    for (const text of [fence('bash', 'ls -la'), 'Output:\n```\n[1, 2, 3]\n```', fence('json', '{"a": 1}'), fence('rust', 'fn main() {}'), 'No code here.', '```python\nprint(1)']) {
      t.notOk(expert.canHandle({ text }), JSON.stringify(text));
      t.equal(await expert.execute({ text }), undefined);
    }
  });

  t.test('an unfenced function completed by a dedent is judged too (seed trigger)', async (t) => {
    const v = await judge('def double(x):\n    return x * 2\n\nLet me run this');
    t.equal(v?.status, 'ok');
    t.equal(v?.blocks[0].code, 'def double(x):\n    return x * 2');
  });

  t.test('observe: values on the probe inputs made from the examples, nothing judged', async (t) => {
    const prompt = 'Write half(n).\n>>> half(4)\n2\n';
    const seen = await expert.observe({ text: fence('python', 'def half(n):\n    return 10 // (n - 3)'), prompt });
    // half(4) = 10 // 1, half(5) = 10 // 2, half(3) divides by zero.
    t.same(seen, { calls: ['half(4)', 'half(5)', 'half(3)'], outcomes: ['10', '5', 'raises ZeroDivisionError'] });
    const none = await expert.observe({ text: fence('python', 'def half(n):\n    pass'), prompt });
    t.same(none?.outcomes, ['None', 'None', 'None'], 'a None result is a value too');
    const js = await expert.observe({ text: fence('js', 'function half(n) { return n > 4 ? [n] : "s"; }'), tests: ['assert.deepEqual(half(4), 2)'] });
    t.same(js, { calls: ['half(4)', 'half(5)', 'half(3)'], outcomes: ["'s'", '[ 5 ]', "'s'"] }, 'JS, examples from the caller’s tests');
    const ts = await expert.observe({ text: fence('ts', 'function half(n: number): number { return n / 2; }'), prompt });
    t.same(ts?.outcomes, ['2', '2.5', '1.5'], 'TypeScript');
    const looping = await expert.observe({ text: fence('python', 'def half(n):\n    while n != 4:\n        pass\n    return 2'), prompt });
    // The sandbox reports nothing of a run that timed out, so one endless probe blanks all.
    t.same(looping?.outcomes, ['timeout', 'timeout', 'timeout'], 'a probe that never returns ends the run');
    t.equal(await expert.observe({ text: fence('python', 'def half(n):\n    return n // 2'), prompt: 'Write half(n).' }), undefined, 'no examples, nothing to probe');
  });

  t.test('registry: math wins on "=", compiler on code, a broken sandbox is an expert_error', async (t) => {
    const registry = new ExpertRegistry().register(expert).register(new MathExpertPlugin());
    const text = fence('python', 'print(6 * 7)');
    t.equal((await registry.execute({ text }))?.expert, 'compiler');
    t.equal((await registry.execute({ text: `${text}So 6 * 7 =` }))?.text, '42');

    const dead = await Sandbox.create();
    await dead.dispose();
    const orphan = new ExpertRegistry().register(new CompilerExpertPlugin({ sandbox: dead }));
    const v = await orphan.execute({ text: fence('js', 'console.log(1)') });
    t.equal(v?.status, 'expert_error');
    t.match(v?.text, /^⚠ Expert compiler failed: /);
  });
});
