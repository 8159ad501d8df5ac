import t from 'tap';
import { Sandbox } from '../../lib/sandbox';
import type { RunResult } from '../../lib/sandbox/types';
import { analyzePythonAll, CodeAnalysis, extractPromptTests, generateTests, GeneratedTest } from '../../lib/testgen';
import { SUBJECTS, Subject } from './functions';

interface Outcome {
  tests: GeneratedTest[];
  run: RunResult;
}

t.test('generated tests pass on correct code and catch planted bugs', async (t) => {
  const sandbox = await Sandbox.create({ pythonPoolSize: 2, warm: ['python', 'javascript'] });
  t.teardown(() => sandbox.dispose());
  t.ok(SUBJECTS.length >= 30, `${SUBJECTS.length} functions`);

  // One sandbox run analyses every Python snippet: each run costs a fresh interpreter.
  const python = SUBJECTS.filter((s) => s.language === 'python');
  const analyses = await analyzePythonAll(python.flatMap((s) => [s.correct, s.buggy]), sandbox);
  const analysisOf = new Map<string, CodeAnalysis>();
  python.forEach((s, i) => {
    analysisOf.set(s.correct, analyses[2 * i]);
    analysisOf.set(s.buggy, analyses[2 * i + 1]);
  });

  const check = async (subject: Subject, code: string): Promise<Outcome> => {
    const analysis = analysisOf.get(code);
    const { tests } = await generateTests(code, subject.language, { sandbox, ...(analysis && { analysis }) });
    const run = await sandbox.run({ language: subject.language, code, tests: tests.map((x) => x.code), limits: { timeoutMs: 2000 } });
    return { tests, run };
  };

  const caught: string[] = [];
  const missed: string[] = [];
  let caughtByProperties = 0;
  for (const subject of SUBJECTS) {
    const good = await check(subject, subject.correct);
    t.ok(good.tests.length > 0, `${subject.id}: tests generated (${good.tests.length})`);
    t.equal(good.run.status, 'ok', `${subject.id}: all ${good.tests.length} tests pass on correct code`);
    for (const [i, r] of good.run.tests.entries()) if (!r.passed) t.comment(`  false alarm: ${good.tests[i].code} → ${JSON.stringify(r.error)}`);

    const bad = await check(subject, subject.buggy);
    t.equal(bad.tests.length > 0 || bad.run.status !== 'ok', true, `${subject.id}: buggy version exercised`);
    if (bad.run.status === 'ok') {
      missed.push(subject.id);
      continue;
    }
    caught.push(subject.id);
    const failing = bad.run.tests.flatMap((r, i) => (r.passed ? [] : [bad.tests[i]]));
    if (failing.some((x) => x.origin === 'generated')) caughtByProperties++;
  }

  const rate = caught.length / SUBJECTS.length;
  const summary =
    `catch rate of generated tests on planted bugs: ${caught.length}/${SUBJECTS.length} = ${(100 * rate).toFixed(1)}% ` +
    `(${caughtByProperties} by property checks alone, the rest by documentation examples); ` +
    `missed: ${missed.join('; ')}`;
  t.comment(summary);
  console.log(summary);
  // The floor guards against regressions; the misses are bugs no property without an
  // expected value can see (a wrong formula with the right type, order and shape).
  t.ok(rate >= 0.65, 'catch rate at least 65%');
});

t.test('prompt tests come first, are used as given, and need a defined function', async (t) => {
  const code = 'function add(a, b) {\n  return a + b;\n}';
  const { tests } = await generateTests(code, 'javascript', {
    tests: ['assert.equal(add(1, 1), 2)'],
    prompt: 'Write add. Examples: `add(2, 3)` should return `5`, and mul(2, 3) == 6.\n>>> add(1, 2)\n3\nassert add(0, 0) == 0',
  });
  t.same(
    tests.slice(0, 4).map((x) => [x.origin, x.code]),
    [
      ['caller', 'assert.equal(add(1, 1), 2)'],
      ['prompt', 'assert.deepEqual(add(2, 3), 5)'],
      ['prompt', 'assert.deepEqual(add(1, 2), 3)'],
      ['prompt', 'assert.deepEqual(add(0, 0), 0)'],
    ],
  );
  t.notOk(tests.some((x) => x.code.includes('mul(')), 'tests of functions the code does not define are dropped');
});

t.test('never invents expected values: unknown parameters get no generated call', async (t) => {
  const { tests, analysis } = await generateTests('function greet(person, options) {\n  return `hi ${person.name}`;\n}', 'javascript');
  t.equal(analysis.functions[0].name, 'greet');
  t.same(tests, []);
});

t.test('a syntax error yields the error and no tests', async (t) => {
  const { tests, analysis } = await generateTests('function f( {', 'typescript');
  t.same(tests, []);
  t.equal(analysis.syntaxError?.type, 'SyntaxError');
  t.equal(analysis.syntaxError?.line, 1);
});

t.test('a doctest tuple stays a tuple for Python (and becomes an array for JS)', async (t) => {
  const prompt = 'def sum_product(numbers):\n    """\n    >>> sum_product([])\n    (0, 1)\n    >>> sum_product([1, 2, 3, 4])\n    (10, 24)\n    """\n';
  t.same(extractPromptTests(prompt, 'python').map((x) => x.code), ['assert sum_product([]) == (0, 1)', 'assert sum_product([1, 2, 3, 4]) == (10, 24)']);
  t.same(extractPromptTests(prompt, 'javascript').map((x) => x.code), ['assert.deepEqual(sum_product([]), [0, 1])', 'assert.deepEqual(sum_product([1, 2, 3, 4]), [10, 24])']);
});

t.test('examples written with arrows, a single equals sign, or as a doctest comparison', async (t) => {
  const codes = (prompt: string) => extractPromptTests(prompt, 'python').map((x) => x.code);
  t.same(codes("    f([], []) ➞ []\n    f(['a'], ['b', 'c']) ➞ ['a']"), ['assert f([], []) == []', 'assert f([\'a\'], [\'b\', \'c\']) == ["a"]']);
  t.same(codes('    g(12, 15) = 14\n    g(13, 12) = -1'), ['assert g(12, 15) == 14', 'assert g(13, 12) == -1']);
  t.same(codes('    h([5, 8]) ==> 12\n    h([30]) ==>0'), ['assert h([5, 8]) == 12', 'assert h([30]) == 0']);
  t.same(codes('    >>> k([]) == 0\n    >>> k([1, 1]) == 2\n'), ['assert k([]) == 0', 'assert k([1, 1]) == 2']);
  t.same(extractPromptTests('    g(12, 15) = 14', 'python').map((x) => x.call), ['g(12, 15)'], 'the call is kept for probes');
  t.same(codes('Let f(x) = x + 1 be the successor, and f(y) >= 0.'), [], 'an equation that is not a value is prose');
});
