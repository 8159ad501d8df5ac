import t from 'tap';
import { Sandbox, type RunStatus } from '../../lib/sandbox';
import { describe } from './helpers';

// Hostile JavaScript/TypeScript: each case must be contained with the right status, leave
// no host capability behind, and leave the sandbox healthy for the next run.
interface Case {
  name: string;
  code: string;
  status: RunStatus | RunStatus[];
  language?: 'javascript' | 'typescript';
  timeoutMs?: number;
  memoryMb?: number;
  /** stdout must not match (proof of escape). */
  forbid?: RegExp;
  /** stdout must match. */
  expect?: RegExp;
}

const PROBE = (expr: string) => `const __p = ${expr};\nconsole.log('pid:' + typeof (__p && __p.pid), 'mm:' + typeof (__p && __p.mainModule), 'bind:' + typeof (__p && __p.binding));`;
const ESCAPED = /pid:number|mm:object|bind:function|ESCAPED/;

const cases: Case[] = [
  { name: 'global constructor chain', code: PROBE(`this.constructor.constructor('return process')()`), status: 'ok', forbid: ESCAPED, expect: /pid:undefined/ },
  { name: 'console function constructor', code: PROBE(`console.log.constructor('return process')()`), status: 'ok', forbid: ESCAPED },
  { name: 'assert helper constructor', code: PROBE(`assert.equal.constructor('return process')()`), status: 'ok', forbid: ESCAPED },
  { name: 'Function("return this") global', code: PROBE(`Function('return this')().process`), status: 'ok', forbid: ESCAPED },
  { name: 'thrown error constructor', code: `let p; try { null.x } catch (e) { p = e.constructor.constructor('return process')(); }\n${PROBE('p')}`, status: 'ok', forbid: ESCAPED },
  {
    name: 'dynamic import rejection is an in-context error',
    code: `import('node:fs').then(() => console.log('ESCAPED'), (e) => { console.log('inctx:' + (e instanceof Error)); try { const p = e.constructor.constructor('return process')(); console.log(p && typeof p.mainModule === 'object' ? 'ESCAPED' : 'contained'); } catch (x) { console.log('contained'); } });`,
    status: 'ok', forbid: ESCAPED, expect: /inctx:true[\s\S]*contained/,
  },
  { name: 'prepareStackTrace CallSites', code: `Error.prepareStackTrace = (e, cs) => cs.map((c) => c.getThis());\nconst s = new Error('x').stack;\nconsole.log(typeof s, Error.prepareStackTrace === undefined);`, status: 'ok', expect: /string true/ },
  { name: 'stack overflow then constructor', code: `function f() { try { return f(); } catch (e) { return e.constructor.constructor('return process')(); } }\n${PROBE('f()')}`, status: 'ok', forbid: ESCAPED },
  { name: 'thrown Proxy is never touched by the host', code: `throw new Proxy({}, { get() { for (;;) {} }, getPrototypeOf() { for (;;) {} } });`, status: ['runtime_error', 'timeout'], timeoutMs: 1500 },
  { name: 'thrown getter object', code: `throw { get message() { for (;;) {} }, get stack() { for (;;) {} } };`, status: 'runtime_error' },
  { name: 'Symbol.species on Array', code: `class E extends Array { static get [Symbol.species]() { return function () { return Function('return process')(); }; } }\nconst r = new E(1, 2).map((x) => x);\n${PROBE('r')}`, status: ['ok', 'runtime_error'], forbid: ESCAPED },
  { name: 'no real host globals', code: `console.log(['Buffer', 'fetch', 'WebSocket', 'XMLHttpRequest', 'SharedWorker', 'Deno'].map((k) => typeof globalThis[k]).join(','));`, status: 'ok', expect: /^undefined,undefined,undefined,undefined,undefined,undefined\n$/ },
  { name: 'require is a stub', code: `const cp = require('child_process'); cp.execSync('id');`, status: 'runtime_error', forbid: /uid=/ },
  { name: 'process.env is empty', code: `console.log(JSON.stringify(process.env), typeof process.kill);`, status: 'ok', expect: /^\{\} undefined\n$/ },
  { name: 'vm module is unreachable', code: `const vm = require('vm'); vm.runInThisContext('process')`, status: 'runtime_error' },
  { name: 'sync infinite loop', code: `for (;;) {}`, status: 'timeout', timeoutMs: 500 },
  { name: 'microtask loop', code: `(async () => { for (;;) await null; })();`, status: 'timeout', timeoutMs: 500 },
  { name: 'interval forever', code: `setInterval(() => {}, 1);`, status: 'timeout', timeoutMs: 500 },
  { name: 'Atomics.wait forever', code: `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`, status: 'timeout', timeoutMs: 500 },
  { name: 'CPU in the result (ownKeys trap)', code: `new Proxy({}, { ownKeys() { for (;;) {} } })`, status: 'timeout', timeoutMs: 500 },
  // Memory cases get a long wall clock so that on a loaded machine the memory limit,
  // not the timeout, is what stops them.
  { name: 'heap: new Array(1e8).fill(0)', code: `const a = new Array(1e8).fill(0); console.log(a.length);`, status: 'memory_limit', timeoutMs: 20000 },
  // On busy cores V8 may spend the whole wall clock collecting garbage before it gives up.
  { name: 'heap: many small objects', code: `const a = []; for (;;) a.push({ x: Math.random(), y: [1, 2, 3] });`, status: ['memory_limit', 'timeout'], memoryMb: 64 },
  { name: 'ArrayBuffers outside the heap', code: `const keep = []; for (;;) { const b = new Uint8Array(64 * 1024 * 1024); b.fill(1); keep.push(b); }`, status: 'memory_limit' },
  { name: 'WebAssembly memory', code: `const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 });\nfor (;;) { m.grow(256); new Uint8Array(m.buffer).fill(1); }`, status: 'memory_limit' },
  { name: 'output flood', code: `for (;;) console.log('x'.repeat(100));`, status: 'output_limit' },
  { name: 'output flood that swallows errors', code: `for (;;) { try { process.stdout.write('y'.repeat(1000)); } catch (e) {} }`, status: 'output_limit' },
  { name: 'strict write to a frozen intrinsic', code: `'use strict';\nArray.prototype.push = function () { return 0; };`, status: 'runtime_error' },
  { name: 'typescript: escape through a cast', language: 'typescript', code: PROBE(`(globalThis as any).constructor.constructor('return process')()`), status: 'ok', forbid: ESCAPED },
  { name: 'typescript: type-level recursion is a compile error', language: 'typescript', code: `type Deep<T> = { next: Deep<[T, T]> };\ntype Flat<T> = T extends [infer A, infer B] ? Flat<A> | Flat<B> : T;\nconst x: Flat<[[[[1, 2], 3], 4], 5]> = 6;`, status: 'syntax_error' },
];

let sandbox: Sandbox;
t.before(async () => {
  // JavaScript and TypeScript only: a host restart (the heap cases crash it) would otherwise
  // reboot the Python pool, and a JS run's RSS watch excuses growth while Python boots (up to
  // what they can account for), which gave the ArrayBuffer case a slower verdict than its 3 s
  // timeout on a loaded machine. A JS bomb beside Python work: pyReuse.test.ts.
  sandbox = await Sandbox.create({ limits: { timeoutMs: 3000 }, warm: ['javascript', 'typescript'] });
});
t.teardown(() => sandbox.dispose());

for (const c of cases) {
  t.test(c.name, async (t) => {
    const r = await sandbox.run({ language: c.language ?? 'javascript', code: c.code, limits: { timeoutMs: c.timeoutMs, memoryMb: c.memoryMb } });
    const want = Array.isArray(c.status) ? c.status : [c.status];
    t.ok(want.includes(r.status), `status ${r.status} in ${want.join('|')}: ${describe(r)}`);
    if (c.forbid) t.notMatch(r.stdout, c.forbid, 'no escape');
    if (c.expect) t.match(r.stdout, c.expect);
    const alive = await sandbox.run({ language: 'javascript', code: 'console.log("alive")' });
    t.equal(alive.stdout, 'alive\n', `sandbox healthy after: ${describe(alive)}`);
  });
}

t.test('no state survives into the next run', async (t) => {
  const first = await sandbox.run({
    language: 'javascript',
    code: `globalThis.leak = 1; var leakVar = 2; Array.prototype.evil = 3; Object.prototype.polluted = 4;\nsetTimeout(() => console.log('LATE'), 1000);`,
    limits: { timeoutMs: 300 },
  });
  t.equal(first.status, 'timeout', describe(first));
  await new Promise((r) => setTimeout(r, 1200));
  const second = await sandbox.run({ language: 'javascript', code: `console.log(typeof leak, typeof leakVar, [].evil, ({}).polluted);` });
  t.equal(second.stdout, 'undefined undefined undefined undefined\n', describe(second));
});

t.test('the test process stays small', async (t) => {
  // The caller only ever holds strings: its memory must not follow the sandbox's.
  t.ok(process.memoryUsage().rss < 400 * 1024 * 1024, `rss ${process.memoryUsage().rss}`);
});
