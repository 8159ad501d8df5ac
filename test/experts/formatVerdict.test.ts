import t from 'tap';
import { formatVerdict } from '../../lib/experts';
import { inferLanguage, normalizeLanguage } from '../../lib/detect';
import type { RunResult } from '../../lib/sandbox/types';
import type { GeneratedTest } from '../../lib/testgen';

const run = (fields: Partial<RunResult>): RunResult => ({ status: 'ok', stdout: '', stderr: '', tests: [], durationMs: 1, ...fields });
const given = (code: string): GeneratedTest => ({ code, label: code, origin: 'caller', kind: 'given' });

t.test('output keeps the first three useful lines', async (t) => {
  const v = formatVerdict(run({ stdout: '\n1\n\n2\n3\n4\n5\n' }), { language: 'python', tests: [], timeoutMs: 5000 });
  t.equal(v.text, '✓ Executed successfully\nOutput: 1\n2\n3\n… (2 more lines)');
  t.equal(v.status, 'ok');
});

t.test('long verdicts are cut to the cap by whole lines, warnings kept', async (t) => {
  const tests = Array.from({ length: 10 }, (_, i) => given(`assert f(${'x'.repeat(100)}, ${i}) == ${i}`));
  const v = formatVerdict(
    run({ status: 'test_failure', tests: tests.map((x) => ({ test: x.code, passed: false, got: 'None' })) }),
    { language: 'python', tests, timeoutMs: 5000, maxChars: 300 },
  );
  t.ok(v.text.length <= 300, `${v.text.length} chars`);
  t.match(v.text, /^✓ Executed successfully\n/);
  t.match(v.text, /⚠ f\(\) returned None\n…$/);
  t.equal(v.tests.length, 10, 'the typed verdict keeps every test');
});

t.test('a sandbox failure is not a verdict on the code', async (t) => {
  t.throws(() => formatVerdict(run({ status: 'sandbox_error', error: { type: 'HostCrash', message: 'gone' } }), { language: 'javascript', tests: [], timeoutMs: 1 }), /sandbox failed/);
});

t.test('language tags and inference', async (t) => {
  t.same(['py', 'Python3', 'js', 'node', 'ts', 'bash', 'jsx', undefined].map(normalizeLanguage), ['python', 'python', 'javascript', 'javascript', 'typescript', undefined, undefined, undefined]);
  t.equal(inferLanguage("print('hello')"), 'python');
  t.equal(inferLanguage('def f(x):\n    return x'), 'python');
  t.equal(inferLanguage('const x = 1;\nconsole.log(x);'), 'javascript');
  t.equal(inferLanguage('function f(a: number): number {\n  return a;\n}'), 'typescript');
  t.equal(inferLanguage('[1, 2, 3]'), undefined);
  t.equal(inferLanguage('hello world'), undefined);
  t.equal(inferLanguage('$ npm install'), undefined);
});
