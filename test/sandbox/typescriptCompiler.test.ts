// The TypeScript checker reuses the previous check's program (and the parsed libs): nothing
// of one check may reach the next.
import path from 'node:path';
import t from 'tap';
import { TypeScriptCompiler } from '../../lib/sandbox/typescriptCompiler';

const compiler = new TypeScriptCompiler(path.dirname(require.resolve('typescript/package.json')));

t.test('a declaration of one check is unknown to the next', async (t) => {
  const first = compiler.compile('function helper(n: number): number { return n + 1; }', ['assert.equal(helper(1), 2)']);
  t.equal(first.error, undefined);
  t.same(first.tests.map((x) => 'js' in x), [true]);
  const second = compiler.compile('const y: number = helper(2);', []);
  t.equal(second.error?.type, 'TypeError');
  t.match(second.error?.message, /TS2304: Cannot find name 'helper'/);
});

t.test('an error of one check does not stay for the next, and errors land where they are', async (t) => {
  const bad = compiler.compile('const s: string = 42;', []);
  t.match(bad.error, { type: 'TypeError', line: 1, message: /TS2322/ });
  const good = compiler.compile('const s: string = "ok";\nconsole.log(s);', ['assert.equal(s, "ok")']);
  t.equal(good.error, undefined, 'the same name, now well typed');
  t.match(good.js, /const s = "ok";/);
  const badTest = compiler.compile('function f(a: number) { return a; }', ['assert.equal(f("x"), 1)', 'assert.equal(f(1), 1)']);
  t.equal(badTest.error, undefined, "a test's type error is the test's");
  t.match(badTest.tests[0], { error: { type: 'TypeError', line: 1 } });
  t.ok('js' in badTest.tests[1], 'the other test still runs');
});

t.test('the globals stay declared on every check', async (t) => {
  for (let i = 0; i < 3; i++) {
    const r = compiler.compile(`console.log(${i});`, ['assert.ok(true)']);
    t.equal(r.error, undefined, `check ${i}`);
  }
});
