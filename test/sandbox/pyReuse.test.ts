import t from 'tap';
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { Sandbox } from '../../lib/sandbox';
import { describe } from './helpers';

// A Python worker thread runs many jobs (lib/sandbox/pyWorker.ts, pyRealm.ts): on one
// interpreter put back in place between them (pyReset.ts, tested in pyReset.test.ts), or on
// a fresh one when that cannot be done. What that must never change: nothing one run does is seen by a later one.
// One warm interpreter and runs one after another, so every run lands on the same thread
// until a run is caught changing the realm.

async function loggingSandbox(options: Parameters<typeof Sandbox.create>[0] = {}) {
  const logs: string[] = [];
  const sandbox = await Sandbox.create({ warm: ['python'], pythonPoolSize: 1, limits: { timeoutMs: 5000 }, ...options, onLog: (m) => logs.push(m) });
  /** The highest "job N of this thread" in the ready logs so far. */
  const mostPerThread = () => Math.max(0, ...logs.map((l) => Number(/job (\d+) of this thread/.exec(l)?.[1] ?? 0)));
  const notReused = () => logs.filter((l) => l.startsWith('python worker not reused'));
  return { sandbox, logs, mostPerThread, notReused };
}

const ARRAY_PROTO = 'from pyodide.ffi import to_js\nproto = to_js([]).constructor.prototype\n';
const py = (code: string) => ({ language: 'python' as const, code });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a thread runs many interpreters; one thread per run when asked', async (t) => {
  const reused = await loggingSandbox();
  const fresh = await loggingSandbox({ pythonRunsPerWorker: 1 });
  try {
    for (let i = 0; i < 8; i++) {
      for (const { sandbox } of [reused, fresh]) {
        const r = await sandbox.run({ language: 'python', code: `def f(x):\n    return x + ${i}`, tests: [`assert f(1) == ${i + 1}`] });
        t.equal(r.status, 'ok', describe(r));
      }
    }
    t.ok(reused.mostPerThread() >= 6, `8 runs: up to job ${reused.mostPerThread()} of one thread`);
    t.equal(fresh.mostPerThread(), 1, 'with pythonRunsPerWorker 1 every run has a thread of its own');
    t.same(reused.notReused(), [], 'plain runs leave the realm as they found it');
  } finally {
    await reused.sandbox.dispose();
    await fresh.sandbox.dispose();
  }
});

t.test('Python state never crosses: builtins, modules, files, globals', async (t) => {
  const { sandbox } = await loggingSandbox();
  try {
    const tamper = await sandbox.run(py(
      "import builtins, sys\nbuiltins.ce_leak = 1\nsys.modules['ce_mod'] = 1\nopen('/tmp/ce_file', 'w').write('x')\nce_global = 2\nsys.setrecursionlimit(50)",
    ));
    t.equal(tamper.status, 'ok', describe(tamper));
    const probe = await sandbox.run(py(
      "import builtins, os, sys\nprint(hasattr(builtins, 'ce_leak'), 'ce_mod' in sys.modules, os.path.exists('/tmp/ce_file'), 'ce_global' in globals(), sys.getrecursionlimit() > 50)",
    ));
    t.equal(probe.stdout, 'False False False False True\n', describe(probe));
  } finally {
    await sandbox.dispose();
  }
});

t.test('a run that changes the realm is caught, and the next run gets a clean one', async (t) => {
  const { sandbox, notReused } = await loggingSandbox();
  try {
    const tamper = await sandbox.run(py(`${ARRAY_PROTO}proto.ce_tampered = 1\nprint(proto.ce_tampered)`));
    t.equal(tamper.stdout, '1\n', `the run did reach this realm's Array.prototype: ${describe(tamper)}`);
    const probe = await sandbox.run(py(`${ARRAY_PROTO}print(hasattr(proto, 'ce_tampered'))`));
    t.equal(probe.status, 'ok', describe(probe));
    t.equal(probe.stdout, 'False\n');
    t.match(notReused(), [/property ce_tampered was added/]);
    // Replacing a method is caught as well as adding one.
    await sandbox.run(py(`${ARRAY_PROTO}proto.push = proto.pop`));
    t.equal((await sandbox.run(py(`${ARRAY_PROTO}print(proto.push == proto.pop)`))).stdout, 'False\n');
    t.match(notReused()[1], /property push was changed/);
  } finally {
    await sandbox.dispose();
  }
});

t.test("a callback scheduled by one run never runs during a later one's", async (t) => {
  const { sandbox, notReused } = await loggingSandbox();
  try {
    // Without the defences (timers cleared, the old interpreter's memory zeroed) this callback
    // ran ~0.3 s later, from the old interpreter, and added ce_late to Array.prototype.
    const schedule = await sandbox.run(py(`import asyncio\n${ARRAY_PROTO}def late():\n    proto.ce_late = 1\n    print('LATE')\nasyncio.get_event_loop().call_later(0.3, late)\nprint('scheduled')`));
    t.equal(schedule.stdout, 'scheduled\n', describe(schedule));
    for (let i = 0; i < 3; i++) {
      const probe = await sandbox.run(py(`import time\nt0 = time.time()\nwhile time.time() - t0 < 0.2: pass\n${ARRAY_PROTO}print(hasattr(proto, 'ce_late'))`));
      t.equal(probe.stdout, 'False\n', describe(probe));
      await wait(200);
    }
    t.same(notReused(), [], 'nothing changed the realm between the runs');
  } finally {
    await sandbox.dispose();
  }
});

t.test('a thread is replaced after pythonRunsPerWorker jobs; the option is checked', async (t) => {
  const { sandbox, mostPerThread } = await loggingSandbox({ pythonRunsPerWorker: 3 });
  try {
    for (let i = 0; i < 7; i++) t.equal((await sandbox.run(py('print(1)'))).stdout, '1\n');
    t.equal(mostPerThread(), 3);
  } finally {
    await sandbox.dispose();
  }
  for (const bad of [0, 1.5, -1, Number.NaN]) {
    await t.rejects(Sandbox.create({ pythonRunsPerWorker: bad }), { name: 'InvalidArgumentError' }, `pythonRunsPerWorker ${bad}`);
  }
});

// The gates themselves, in a worker thread of their own (they replace its timer globals):
// a retired interpreter's timers and finalization callbacks never run; the controls show
// the same callbacks do run without retire().
t.test('InterpreterGates: retire() cuts timers and finalizers off; without it they run', async (t) => {
  const script = `
    const { parentPort } = require('node:worker_threads');
    const v8 = require('node:v8'), vm = require('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc');
    const { InterpreterGates } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/sandbox/pyRealm.js'))});
    const gates = new InterpreterGates();
    gates.install();
    const ran = [];
    const arm = (tag) => {
      setTimeout(() => ran.push(tag + ':timeout'), 20);
      setInterval(() => ran.push(tag + ':interval'), 20);
      setImmediate(() => ran.push(tag + ':immediate'));
      const registry = new FinalizationRegistry((held) => ran.push(tag + ':' + held));
      (() => { registry.register({}, 'finalized'); })();
      return registry;
    };
    (async () => {
      const kept = [arm('live')];
      await new Promise((r) => setTimeout(r, 60));
      gc();
      await new Promise((r) => setTimeout(r, 60));
      gates.retire(); // the control's interval stops here too
      kept.push(arm('retired'));
      gates.retire();
      await new Promise((r) => setTimeout(r, 60));
      gc();
      await new Promise((r) => setTimeout(r, 60));
      parentPort.postMessage([...new Set(ran)].sort());
    })();`;
  const ran = await new Promise<string[]>((resolve, reject) => {
    const w = new Worker(script, { eval: true });
    w.once('message', (m: string[]) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
  t.same(ran, ['live:finalized', 'live:immediate', 'live:interval', 'live:timeout'], 'only the live interpreter\'s callbacks ran');
});

// The host's RSS watch is shared by its runs: Python interpreters booting beside a JS run
// (a few hundred MB each, as the pool does at start and after every Python run) must not
// be charged to it. Before, a JS run looping while the pool booted came back memory_limit.
t.test('a JS run beside booting Python interpreters is not charged for their memory', async (t) => {
  const { sandbox } = await loggingSandbox({ warm: ['javascript', 'python'], pythonPoolSize: 3 });
  try {
    const js = sandbox.run({ language: 'javascript', code: 'for (;;) {}', limits: { timeoutMs: 2500 } });
    const pys = Array.from({ length: 4 }, () => sandbox.run(py('x = bytearray(64 * 1024 * 1024)\nprint(len(x))')));
    const r = await js;
    t.equal(r.status, 'timeout', describe(r));
    for (const p of await Promise.all(pys)) t.equal(p.status, 'ok', describe(p));
  } finally {
    await sandbox.dispose();
  }
});

// The excuse is bounded: growth beyond what the Python work in flight can account for is the
// JS run's. Before, all growth was excused while any Python work was in flight, and an
// ArrayBuffer bomb beside the pool's boots ran into its timeout (CI: after a host restart);
// control: with the allowance unbounded this bomb comes back timeout.
t.test('an ArrayBuffer bomb beside Python work is still caught by the watch', async (t) => {
  const { sandbox } = await loggingSandbox({ warm: ['javascript', 'python'] });
  try {
    // A Python run in flight for the whole bomb: its growth is excused, the bomb's is not
    // (the bomb has ~1.5 GB of excuse here: this run, the refill's boot, the shared one's).
    const busy = sandbox.run({ ...py('import time\nt0 = time.time()\nwhile time.time() - t0 < 12: pass\nprint("done")'), limits: { timeoutMs: 20000 } });
    await wait(300);
    const bomb = await sandbox.run({ language: 'javascript', code: 'const keep = []; for (;;) { const b = new Uint8Array(64 * 1024 * 1024); b.fill(1); keep.push(b); }', limits: { timeoutMs: 10000 } });
    // The watch's own verdict, not the host dying at its address-space limit (which took the
    // Python run with it).
    t.equal(bomb.status, 'memory_limit', describe(bomb));
    t.match(bomb.error?.message, /memory limit of \d+ MB exceeded/);
    const p = await busy;
    t.equal(p.status, 'ok', describe(p));
  } finally {
    await sandbox.dispose();
  }
});
