import t from 'tap';
import { Sandbox } from '../../lib/sandbox';
import { createSandbox, describe } from './helpers';

let sandbox: Sandbox;
t.before(async () => {
  sandbox = await createSandbox();
});
t.teardown(() => sandbox.dispose());

t.test('javascript: prints, last value, tests passing and failing', async (t) => {
  const r = await sandbox.run({
    language: 'javascript',
    code: 'function sort(a) { return [...a].sort((x, y) => x - y); }\nconsole.log("sorted", sort([3, 1, 2]));\nconsole.error("warn");\nsort([2, 1])',
    tests: ['assert.deepEqual(sort([3, 1, 2]), [1, 2, 3])', 'assert.equal(sort([1]).length, 2)'],
  });
  t.equal(r.status, 'test_failure', describe(r));
  t.equal(r.stdout, 'sorted [ 1, 2, 3 ]\n');
  t.equal(r.stderr, 'warn\n');
  t.equal(r.returnPreview, '[ 1, 2 ]');
  t.same(r.tests.map((x) => x.passed), [true, false]);
  t.equal(r.tests[1].got, '1');
  t.equal(r.tests[1].expected, '2');
});

t.test('javascript: runtime error with the line of the throw', async (t) => {
  const r = await sandbox.run({ language: 'javascript', code: 'const a = 1;\n\nfunction f() {\n  return null.x;\n}\nf();' });
  t.equal(r.status, 'runtime_error', describe(r));
  t.equal(r.error?.type, 'TypeError');
  t.equal(r.error?.line, 4);
});

t.test('javascript: syntax error with its line', async (t) => {
  const r = await sandbox.run({ language: 'javascript', code: 'let a = 1;\nlet b = ;\n' });
  t.equal(r.status, 'syntax_error', describe(r));
  t.equal(r.error?.line, 2);
});

t.test('javascript: timers and promises settle before the result', async (t) => {
  const r = await sandbox.run({ language: 'javascript', code: 'setTimeout(() => console.log("later"), 20);\nPromise.resolve().then(() => console.log("micro"));\nconsole.log("now");' });
  t.equal(r.status, 'ok', describe(r));
  t.equal(r.stdout, 'now\nmicro\nlater\n');
});

t.test('typescript: type error stops the run with its line', async (t) => {
  const r = await sandbox.run({ language: 'typescript', code: 'console.log("never");\nconst n: number = "seven";\n' });
  t.equal(r.status, 'syntax_error', describe(r));
  t.equal(r.error?.line, 2);
  t.match(r.error?.message, /TS2322/);
  t.equal(r.stdout, '');
});

t.test('typescript: runtime error line maps back through the transpile', async (t) => {
  const r = await sandbox.run({
    language: 'typescript',
    code: 'interface Point {\n  x: number;\n  y: number;\n}\n\ntype Id = string;\nfunction norm(p: Point): number {\n  if (p.x < 0) throw new RangeError("negative");\n  return Math.hypot(p.x, p.y);\n}\nconsole.log(norm({ x: 3, y: 4 }));\nnorm({ x: -1, y: 0 });',
  });
  t.equal(r.status, 'runtime_error', describe(r));
  t.equal(r.stdout, '5\n');
  t.equal(r.error?.type, 'RangeError');
  t.equal(r.error?.line, 8);
});

t.test('typescript: tests see exported functions; a mistyped test fails alone', async (t) => {
  const r = await sandbox.run({
    language: 'typescript',
    code: 'export function add(a: number, b: number): number {\n  return a + b;\n}',
    tests: ['assert.equal(add(1, 2), 3)', 'assert.equal(add("1", 2), 3)', 'assert.equal(add(2, 2), 5)'],
  });
  t.equal(r.status, 'test_failure', describe(r));
  t.same(r.tests.map((x) => x.passed), [true, false, false]);
  t.match(r.tests[1].error?.message, /TS2345/);
  t.equal(r.tests[2].got, '4');
  t.equal(r.tests[2].expected, '5');
});

t.test('typescript: a check that outlives the timeout stops alone; the compiler comes back', async (t) => {
  // Thousands of typed functions take far longer than 10 ms to check on any machine.
  const big = Array.from({ length: 3000 }, (_, i) => `export function f${i}(a: number, b: string): { n: number; s: string } { return { n: a + ${i}, s: b + a }; }`).join('\n');
  const [slow, js] = await Promise.all([
    sandbox.run({ language: 'typescript', code: big, limits: { timeoutMs: 10 } }),
    sandbox.run({ language: 'javascript', code: 'console.log(6 * 7)' }),
  ]);
  t.equal(slow.status, 'timeout', describe(slow));
  t.match(slow.error?.message, /type-checking exceeded 10 ms/);
  t.same([js.status, js.stdout], ['ok', '42\n'], 'a JavaScript run beside it is not held up');
  const after = await sandbox.run({ language: 'typescript', code: 'const n: number = 41;\nconsole.log(n + 1);' });
  t.same([after.status, after.stdout], ['ok', '42\n'], describe(after));
});

t.test("python: isolation 'shared' runs on one long-lived interpreter; the default never shares", async (t) => {
  const patch = await sandbox.run({ language: 'python', code: 'import math\nmath.tau = 1', isolation: 'shared' });
  t.equal(patch.status, 'ok', describe(patch));
  const shared = await sandbox.run({ language: 'python', code: 'import math\nprint(math.tau)', isolation: 'shared' });
  t.equal(shared.stdout, '1\n', 'a shared run sees what the previous one left');
  const fresh = await sandbox.run({ language: 'python', code: 'import math\nprint(math.tau)' });
  t.equal(fresh.stdout, '6.283185307179586\n', 'a default run starts clean');
  const hung = await sandbox.run({ language: 'python', code: 'while True:\n    pass', isolation: 'shared', limits: { timeoutMs: 300 } });
  t.equal(hung.status, 'timeout', describe(hung));
  const after = await sandbox.run({ language: 'python', code: 'import math\nprint(math.tau)', isolation: 'shared', tests: ['assert 1 == 1'] });
  t.same([after.status, after.stdout], ['ok', '6.283185307179586\n'], 'a stopped interpreter is replaced by a clean one');
  await t.rejects(sandbox.run({ language: 'python', code: '', isolation: 'pooled' as never }), { name: 'InvalidArgumentError' });
});

t.test("python: the seed's bug reports got None", async (t) => {
  const r = await sandbox.run({ language: 'python', code: 'def sort(lst):\n    return lst.sort()\n', tests: ['assert sort([3,1,2]) == [1,2,3]'] });
  t.equal(r.status, 'test_failure', describe(r));
  t.equal(r.tests[0].got, 'None');
  t.equal(r.tests[0].expected, '[1, 2, 3]');
});

t.test('python: prints, last expression, passing tests', async (t) => {
  const r = await sandbox.run({ language: 'python', code: 'def sort(lst):\n    return sorted(lst)\nprint("hi", sort([2, 1]))\nsort([3, 1])', tests: ['assert sort([3,1,2]) == [1,2,3]', 'assert sort([]) == []'] });
  t.equal(r.status, 'ok', describe(r));
  t.equal(r.stdout, 'hi [1, 2]\n');
  t.equal(r.returnPreview, '[1, 3]');
  t.same(r.tests.map((x) => x.passed), [true, true]);
});

t.test('python: exception and syntax error lines', async (t) => {
  const r = await sandbox.run({ language: 'python', code: 'x = 1\n\ndef f():\n    return 1 / 0\nf()\n' });
  t.equal(r.status, 'runtime_error', describe(r));
  t.equal(r.error?.type, 'ZeroDivisionError');
  t.equal(r.error?.line, 4);
  t.match(r.error?.traceback, /line 4/);
  const s = await sandbox.run({ language: 'python', code: 'x = 1\nif x\n    pass\n' });
  t.equal(s.status, 'syntax_error', describe(s));
  t.equal(s.error?.line, 2);
});

t.test('jail report names its layers', async (t) => {
  const j = sandbox.jail;
  t.equal(typeof j.complete, 'boolean');
  t.ok(j.codeGenerationBlocked);
  t.ok(j.nodePermissions);
  if (process.platform === 'linux') t.ok(j.networkIsolated, JSON.stringify(j));
  // CI runs the sandbox tests twice, with and without bubblewrap, and names the launcher
  // (and so the complete jail) it must get each time.
  const expected = process.env.COMPILER_EXPERT_EXPECT_JAIL;
  if (expected) {
    t.equal(j.launcher, expected, JSON.stringify(j));
    t.ok(j.complete, JSON.stringify(j));
  }
});

t.test('a malformed request is refused with a typed error, and the sandbox stays usable', async (t) => {
  await t.rejects(sandbox.run({ language: 'cobol' as 'python', code: '' }), { code: 'INVALID_ARGUMENT', message: 'unknown language: cobol' });
  await t.rejects(sandbox.run({ language: 'python', code: 42 as unknown as string }), { code: 'INVALID_ARGUMENT' });
  t.equal((await sandbox.run({ language: 'python', code: 'print(1)' })).stdout, '1\n');
});

t.test('an aborted signal stops its run at once; other runs go on', async (t) => {
  const controller = new AbortController();
  const endless = sandbox.run({ language: 'javascript', code: 'for (;;) {}', limits: { timeoutMs: 60_000 } }, { signal: controller.signal });
  const neighbour = sandbox.run({ language: 'python', code: 'import time\ntime.sleep(0.3)\nprint("done")' });
  setTimeout(() => controller.abort(), 200);
  await t.rejects(endless, { code: 'ABORTED' }, 'the endless run rejects long before its 60 s limit');
  t.equal((await neighbour).stdout, 'done\n', 'the run beside it finished');
  t.equal((await sandbox.run({ language: 'javascript', code: 'console.log(6 * 7)' })).stdout, '42\n', 'the sandbox stays usable');
  await t.rejects(sandbox.run({ language: 'python', code: 'print(1)' }, { signal: AbortSignal.abort() }), { code: 'ABORTED' }, 'an already aborted signal runs nothing');
});
