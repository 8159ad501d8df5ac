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

// The JavaScript must be what ts.transpileModule gives each file on its own (the reference):
// the compiler transpiles code and tests from one program, with transpileModule's options.
t.test('the emitted JavaScript is what transpileModule gives, file by file', async (t) => {
  const ts = require('typescript') as typeof import('typescript');
  const options = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, noImplicitAny: false, skipLibCheck: true, sourceMap: true };
  const reference = (src: string) => ts.transpileModule(src, { compilerOptions: options }).outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  const cases: [string, string[]][] = [
    ['function sort(a: number[]): number[] { return [...a].sort((x, y) => x - y); }', ['assert.deepEqual(sort([2, 1]), [1, 2])']],
    ['export let count = 0;\nexport function bump(): number { return ++count; }', ['assert.equal(bump(), 1)']],
    ['enum Color { Red, Green = 4, Blue }\nconst enum Size { S = 1, L = 3 }\nconsole.log(Color.Blue, Size.L);', []],
    ['namespace Geo { export const pi = 3.14; export function area(r: number) { return pi * r * r; } }\nconsole.log(Geo.area(1));', []],
    ['class Point { constructor(public x: number, private readonly y = 2) {} sum(): number { return this.x + this.y; } static zero = new Point(0); }', ['assert.equal(new Point(1).sum(), 3)']],
    ['type Pair<T> = [T, T];\nconst p: Pair<number> = [1, 2];\nasync function f(x?: { y?: number }) { return x?.y ?? (await Promise.resolve(p[0])); }', ['f().then((v) => assert.equal(v, 1))']],
    ['interface Shape { area(): number }\nabstract class Base implements Shape { abstract area(): number; }\nclass Sq extends Base { constructor(private s: number) { super(); } area() { return this.s ** 2; } }', ['assert.equal(new Sq(3).area(), 9)']],
  ];
  for (const [code, tests] of cases) {
    const r = compiler.compile(code, tests);
    t.equal(r.error, undefined, code.split('\n')[0]);
    t.equal(r.js, reference(code), `code: ${code.split('\n')[0]}`);
    t.same(r.tests.map((x) => ('js' in x ? x.js : x.error)), tests.map(reference), `tests of ${code.split('\n')[0]}`);
  }
});
