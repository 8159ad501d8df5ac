import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Sandbox } from '../../lib/sandbox';
import { CONTEXT_PRELUDE } from '../../lib/sandbox/contextPrelude';
import { describe } from './helpers';

// A JS worker runs many jobs, each in a fresh context (lib/sandbox/JsWorkers.ts). What that
// must never change: nothing one run does is seen by the next on the same worker.

/** A sandbox whose log counts the JS worker threads its host started. */
async function countingSandbox(options: Parameters<typeof Sandbox.create>[0] = {}) {
  const logs: string[] = [];
  const sandbox = await Sandbox.create({ warm: ['javascript', 'typescript'], jsPoolSize: 1, ...options, onLog: (m) => logs.push(m) });
  return { sandbox, started: () => logs.filter((l) => l.startsWith('js worker started')).length };
}

const OK = { language: 'javascript' as const, code: 'function add(a, b) { return a + b; }', tests: ['assert.equal(add(1, 2), 3)'] };

t.test('a worker runs many jobs; one thread per run when asked', async (t) => {
  const reused = await countingSandbox();
  const fresh = await countingSandbox({ jsRunsPerWorker: 1 });
  try {
    for (let i = 0; i < 30; i++) {
      for (const { sandbox } of [reused, fresh]) {
        const r = await sandbox.run(OK);
        t.equal(r.status, 'ok', describe(r));
      }
    }
    t.ok(reused.started() <= 4, `30 runs started ${reused.started()} threads`);
    t.ok(fresh.started() >= 30, `with jsRunsPerWorker 1, 30 runs started ${fresh.started()} threads`);
  } finally {
    await reused.sandbox.dispose();
    await fresh.sandbox.dispose();
  }
});

t.test('a worker is replaced after jsRunsPerWorker jobs', async (t) => {
  const { sandbox, started } = await countingSandbox({ jsRunsPerWorker: 5 });
  try {
    for (let i = 0; i < 30; i++) t.equal((await sandbox.run(OK)).status, 'ok');
    t.ok(started() >= 6 && started() <= 9, `30 runs, 5 per worker: ${started()} threads`);
  } finally {
    await sandbox.dispose();
  }
});

// Each tampering run ends cleanly (so its worker goes on to the next job), then a probe run
// checks the environment it left. Late callbacks print LATE: no later run may show it.
const TAMPER: Array<{ name: string; code: string }> = [
  { name: 'globals, var and function declarations', code: `globalThis.leak = 1; var leakVar = 2; function leakFn() {}` },
  { name: 'sloppy writes to frozen prototypes', code: `Array.prototype.evil = 3; Object.prototype.polluted = 4; Object.prototype.toString = () => 'evil';` },
  { name: 'a run that throws at its end', code: `globalThis.leak = 1; throw new Error('the end');` },
  { name: 'replaced console and assert', code: `console.log = () => {}; globalThis.assert = () => {}; delete globalThis.setTimeout;` },
  { name: 'a pending host promise', code: `WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => console.log('LATE'));` },
  { name: 'an async wait that ends later', code: `Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20).value.then(() => console.log('LATE'));` },
  { name: 'a never-settled promise chain', code: `new Promise(() => {}).then(() => console.log('LATE')); Promise.resolve().then(() => new Promise(() => {}));` },
  {
    name: 'finalization callbacks after garbage',
    code: `const r = new FinalizationRegistry(() => { console.log('LATE'); for (;;) {} });\nfor (let i = 0; i < 2000; i++) r.register({ i, pad: new Array(100).fill(i) }, i);\nlet junk = []; for (let i = 0; i < 200000; i++) junk.push({ i }); junk = null;`,
  },
];
const PROBE = `console.log([typeof leak, typeof leakVar, typeof leakFn, [].evil, ({}).polluted, String({}), typeof setTimeout, typeof assert.equal].join(','));`;
const CLEAN = 'undefined,undefined,undefined,,,[object Object],function,function\n';

t.test('no state crosses between the jobs of one worker', async (t) => {
  const { sandbox, started } = await countingSandbox();
  try {
    for (const c of TAMPER) {
      const r = await sandbox.run({ language: 'javascript', code: c.code });
      // Errors of the code are clean ends too: the worker goes on to the next job.
      t.ok(r.status === 'ok' || r.status === 'runtime_error', `${c.name}: ${describe(r)}`);
      t.notMatch(r.stdout, /LATE/, `${c.name}: nothing ran after the code`);
      for (let i = 0; i < 3; i++) {
        const probe = await sandbox.run({ language: 'javascript', code: PROBE, limits: { timeoutMs: 2000 } });
        t.equal(probe.status, 'ok', `after ${c.name}: ${describe(probe)}`);
        t.equal(probe.stdout, CLEAN, `after ${c.name}: a clean context`);
      }
      // Time for late host work (the compile, the 20 ms wait, a collection) to land, then more runs.
      await new Promise((r) => setTimeout(r, 100));
      const after = await sandbox.run({ language: 'javascript', code: `const end = Date.now() + 50; while (Date.now() < end) {}\n${PROBE}`, limits: { timeoutMs: 2000 } });
      t.equal(after.stdout, CLEAN, `after ${c.name}, later: ${describe(after)}`);
    }
    t.ok(started() <= 4, `the runs shared their workers (${started()} threads for ${TAMPER.length * 5} runs)`);
  } finally {
    await sandbox.dispose();
  }
});

t.test('runs past the turns wait without losing their timeout', async (t) => {
  // One run at a time, 12 runs of 100 ms each against a 1 s timeout: only waiting could fail them.
  const { sandbox } = await countingSandbox({ jsRunsAtOnce: 1 });
  try {
    const busy = { language: 'javascript' as const, code: `const end = Date.now() + 100; while (Date.now() < end) {}\nconsole.log('done')`, limits: { timeoutMs: 1000 } };
    const rs = await Promise.all(Array.from({ length: 12 }, () => sandbox.run(busy)));
    t.same(rs.map((r) => r.status), Array(12).fill('ok'), rs.filter((r) => r.status !== 'ok').map(describe).join('\n'));
    const ts = await Promise.all(Array.from({ length: 4 }, (_, i) => sandbox.run({ language: 'typescript', code: `const n: number = ${i};\nconsole.log(n * 2)` })));
    t.same(ts.map((r) => r.stdout), ['0\n', '2\n', '4\n', '6\n'], 'typescript runs take the same turns');
  } finally {
    await sandbox.dispose();
  }
});

t.test('a stopped run never hands its worker on', async (t) => {
  const { sandbox, started } = await countingSandbox();
  try {
    t.equal((await sandbox.run(OK)).status, 'ok');
    const before = started();
    const hung = await sandbox.run({ language: 'javascript', code: `globalThis.mark = 1; for (;;) {}`, limits: { timeoutMs: 300 } });
    t.equal(hung.status, 'timeout');
    const flood = await sandbox.run({ language: 'javascript', code: `globalThis.mark = 1; for (;;) console.log('x'.repeat(100));` });
    t.equal(flood.status, 'output_limit');
    const next = await sandbox.run({ language: 'javascript', code: `console.log(typeof mark)` });
    t.equal(next.stdout, 'undefined\n', describe(next));
    t.ok(started() >= before + 2, `each stopped worker was replaced (${started() - before} new threads)`);
  } finally {
    await sandbox.dispose();
  }
});

t.test('the options are checked', async (t) => {
  await t.rejects(Sandbox.create({ jsRunsPerWorker: 0 }), { name: 'InvalidArgumentError' });
  await t.rejects(Sandbox.create({ jsRunsAtOnce: 1.5 }), { name: 'InvalidArgumentError' });
});

// The sandbox's FinalizationRegistry against the real one (the test process's), on what a
// program can observe: results, errors, tags and lengths.
const REGISTRY_PROBE = `
const out = [];
const tryIt = (f) => { try { return String(f()); } catch (e) { return e.constructor.name; } };
const r = new FinalizationRegistry(() => {});
const token = {};
out.push(tryIt(() => r.register({}, 1)));
out.push(tryIt(() => r.register({}, 1, token)));
out.push(tryIt(() => r.unregister(token)), tryIt(() => r.unregister(token)), tryIt(() => r.unregister({})));
out.push(tryIt(() => r.register(1, 2)), tryIt(() => r.register(Symbol.for('s'), 2)), tryIt(() => r.register(Symbol('s'), 2)));
const same = {};
out.push(tryIt(() => r.register(same, same)), tryIt(() => r.register({}, 1, 5)), tryIt(() => r.unregister(5)));
out.push(tryIt(() => FinalizationRegistry(() => {})), tryIt(() => new FinalizationRegistry(5)));
out.push(Object.prototype.toString.call(r), FinalizationRegistry.length, r.register.length, r.unregister.length, FinalizationRegistry.name);
out.push(tryIt(() => FinalizationRegistry.prototype.register.call({}, {}, 1)), tryIt(() => FinalizationRegistry.prototype.unregister.call({}, {})));
console.log(out.join('|'));
`;

t.test('FinalizationRegistry behaves as the real one, except that it never calls back', async (t) => {
  const expected: string[] = [];
  new Function('console', REGISTRY_PROBE)({ log: (s: string) => expected.push(s) });
  const sandbox = await Sandbox.create({ warm: ['javascript'] });
  try {
    const r = await sandbox.run({ language: 'javascript', code: REGISTRY_PROBE });
    t.equal(r.status, 'ok', describe(r));
    t.equal(r.stdout, expected[0] + '\n');
  } finally {
    await sandbox.dispose();
  }
  // Its callbacks: a context with the prelude against a plain one (the control), after a
  // forced collection, in a process of their own (--expose-gc).
  const dir = mkdtempSync(path.join(tmpdir(), 'ce-fr-'));
  try {
    writeFileSync(path.join(dir, 'prelude.js'), CONTEXT_PRELUDE);
    writeFileSync(path.join(dir, 'check.js'), `
const vm = require('node:vm');
const prelude = require('node:fs').readFileSync(__dirname + '/prelude.js', 'utf8');
const code = 'globalThis.calls = 0; const r = new FinalizationRegistry(() => { calls++; }); (function () { for (let i = 0; i < 100; i++) r.register({ i }, i); })();';
async function count(withPrelude) {
  const ctx = vm.createContext(Object.create(null), { microtaskMode: 'afterEvaluate' });
  // The prelude's value is the function that prepares the context (its argument: the channel's bytes).
  if (withPrelude) vm.runInContext(prelude, ctx)(16 + 4 * 1024);
  vm.runInContext(code, ctx);
  for (let i = 0; i < 5; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); }
  return vm.runInContext('calls', ctx);
}
(async () => console.log(JSON.stringify({ plain: await count(false), sandbox: await count(true) })))();
`);
    const calls = JSON.parse(execFileSync(process.execPath, ['--expose-gc', path.join(dir, 'check.js')], { encoding: 'utf8' })) as { plain: number; sandbox: number };
    t.ok(calls.plain > 0, `the control context's callbacks ran (${calls.plain})`);
    t.equal(calls.sandbox, 0, 'the sandbox context calls none');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t.test('output channels are sized to the run: the cap holds, a larger cap gets a worker of its own', async (t) => {
  const { sandbox, started } = await countingSandbox();
  try {
    const print = (n: number) => `process.stdout.write('x'.repeat(${n}));`;
    const capped = await sandbox.run({ language: 'javascript', code: print(70000) });
    t.equal(capped.status, 'output_limit');
    t.equal(capped.stdout.length, 64 * 1024, 'the default cap of 64 KiB');
    const before = started();
    const large = await sandbox.run({ language: 'javascript', code: print(300000), limits: { outputBytes: 400000 } });
    t.equal(large.status, 'ok', describe(large));
    t.equal(large.stdout.length, 300000);
    const both = await sandbox.run({ language: 'javascript', code: `${print(150000)} process.stderr.write('y'.repeat(150000));`, limits: { outputBytes: 250000 } });
    t.equal(both.status, 'output_limit', 'the cap counts both streams');
    t.equal(both.stdout.length + both.stderr.length, 250000);
    t.ok(started() >= before + 2, 'each larger cap had a worker of its own');
  } finally {
    await sandbox.dispose();
  }
});
