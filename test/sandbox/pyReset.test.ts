import t from 'tap';
import * as path from 'node:path';
import { Sandbox } from '../../lib/sandbox';
import { InterpreterReset } from '../../lib/sandbox/pyReset';
import { describe } from './helpers';

// A Python thread puts its used interpreter back in place for the next run (pyReset.ts):
// memory and hiwire tables written back, Pyodide's JavaScript checked. What must hold: a
// later run sees nothing of an earlier one, whatever it did, and gets the same result a
// fresh interpreter gives; a run that changed what a reset cannot undo costs a fresh boot.

async function loggingSandbox(options: Parameters<typeof Sandbox.create>[0] = {}) {
  const logs: string[] = [];
  const sandbox = await Sandbox.create({ warm: ['python'], pythonPoolSize: 1, limits: { timeoutMs: 5000 }, ...options, onLog: (m) => logs.push(m) });
  const resets = () => logs.filter((l) => /^python ready .*\(reset;/.test(l)).length;
  const notReset = () => logs.filter((l) => l.startsWith('python interpreter not reset')).map((l) => l.replace(/^python interpreter not reset: /, ''));
  const boots = () => logs.filter((l) => /^python ready .*\(boot /.test(l)).length;
  return { sandbox, logs, resets, notReset, boots };
}

const py = (code: string, tests: string[] = []) => ({ language: 'python' as const, code, tests });

t.test('plain runs reuse one interpreter: no boot after the first', async (t) => {
  const s = await loggingSandbox();
  try {
    let bootsBefore = 0;
    for (let i = 0; i < 10; i++) {
      const r = await s.sandbox.run(py(`import math, collections\ndef f(x):\n    return x + ${i}\nprint(f(1))`, [`assert f(1) == ${i + 1}`]));
      t.equal(r.status, 'ok', describe(r));
      t.equal(r.stdout, `${i + 1}\n`);
      if (i === 0) bootsBefore = s.boots();
    }
    t.equal(s.resets(), 9, '9 resets for 10 runs');
    // The host also boots the interpreter of `isolation: 'shared'` requests at start.
    t.equal(s.boots(), bootsBefore, 'no interpreter booted after the first run');
    t.same(s.notReset(), []);
  } finally {
    await s.sandbox.dispose();
  }
});

// Each tamper is followed by a probe that prints what a fresh interpreter prints.
const TAMPERS: { name: string; tamper: string; probe: string; fresh: string }[] = [
  { name: 'builtins replaced', tamper: 'import builtins\nbuiltins.sorted = lambda x: [42]\nbuiltins.ce_leak = 1', probe: "import builtins\nprint(sorted([2, 1]), hasattr(builtins, 'ce_leak'))", fresh: '[1, 2] False\n' },
  { name: 'a module the harness uses patched', tamper: 'import json, operator\njson.dumps = lambda *a, **k: "{}"\noperator.eq = lambda a, b: True', probe: 'print(1 + 1)', fresh: '2\n' },
  { name: 'sys state', tamper: "import sys\nsys.modules['ce_mod'] = 1\nsys.setrecursionlimit(60)\nsys.path.insert(0, '/nowhere')\nsys.settrace(lambda *a: None)", probe: "import sys\nprint('ce_mod' in sys.modules, sys.getrecursionlimit() > 60, sys.path[0] == '/nowhere', sys.gettrace())", fresh: 'False True False None\n' },
  { name: 'environment variables', tamper: "import os\nos.environ['CE_X'] = '1'\nos.putenv('CE_Y', '2')", probe: "import os\nprint(os.environ.get('CE_X'), os.getenv('CE_Y'))", fresh: 'None None\n' },
  { name: 'gc and stdout', tamper: 'import gc, sys, io\ngc.disable()\nsys.stdout = io.StringIO()', probe: 'import gc\nprint(gc.isenabled())', fresh: 'True\n' },
  { name: 'memory poked through ctypes', tamper: 'import ctypes\nb = ctypes.create_string_buffer(b"ce-marker" * 100)\nctypes.memset(ctypes.addressof(b), 0x41, 900)\nx = [ctypes.c_int(i) for i in range(1000)]', probe: 'print(sum(range(10)))', fresh: '45\n' },
  { name: 'many JS proxies kept', tamper: 'from pyodide.ffi import to_js\nkept = [to_js([i]) for i in range(2000)]\nprint(len(kept))', probe: 'from pyodide.ffi import to_js\nprint(to_js([1, 2]).length)', fresh: '2\n' },
];

t.test('nothing a run does to the interpreter reaches the next one', async (t) => {
  const s = await loggingSandbox();
  try {
    for (const c of TAMPERS) {
      const tamper = await s.sandbox.run(py(c.tamper));
      t.not(tamper.status, 'sandbox_error', `${c.name}: ${describe(tamper)}`);
      const probe = await s.sandbox.run(py(c.probe, ['assert 1 + 1 == 2', 'assert 1 + 1 == 3']));
      t.equal(probe.stdout, c.fresh, `${c.name}: ${describe(probe)}`);
      t.same(probe.tests.map((x) => x.passed), [true, false], `${c.name}: the harness judges as before`);
    }
    t.ok(s.resets() >= TAMPERS.length, `reset ${s.resets()} times (not a fresh boot each run)`);
  } finally {
    await s.sandbox.dispose();
  }
});

t.test('what a reset cannot undo costs a fresh interpreter, and does not cross either', async (t) => {
  const s = await loggingSandbox();
  const cases = [
    { tamper: "open('/tmp/ce_file', 'w').write('x')", probe: "import os\nprint(os.path.exists('/tmp/ce_file'))", fresh: 'False\n', why: /file system/ },
    { tamper: "import os\nos.mkdir('/tmp/ce_dir')", probe: "import os\nprint(os.path.exists('/tmp/ce_dir'))", fresh: 'False\n', why: /file system/ },
    { tamper: "import os\nos.chdir('/tmp')", probe: 'import os\nprint(os.getcwd())', fresh: '/home/pyodide\n', why: /working directory/ },
    { tamper: "import builtins\nbuiltins.ce_f = open('/dev/null')", probe: "import os\ntry:\n    os.fstat(3)\n    print('open')\nexcept OSError:\n    print('closed')", fresh: 'closed\n', why: /file open/ },
    { tamper: 'x = bytearray(96 * 1024 * 1024)', probe: 'print(1)', fresh: '1\n', why: /grew the interpreter memory/ },
  ];
  try {
    for (const c of cases) {
      const before = s.notReset().length;
      const tamper = await s.sandbox.run(py(c.tamper));
      t.equal(tamper.status, 'ok', describe(tamper));
      const probe = await s.sandbox.run(py(c.probe));
      t.equal(probe.stdout, c.fresh, `${c.tamper}: ${describe(probe)}`);
      t.match(s.notReset().slice(before), [c.why], `${c.tamper}: not reset, and why`);
    }
  } finally {
    await s.sandbox.dispose();
  }
});

// Reset and fresh interpreters must judge the same programs the same way.
t.test('a reset interpreter gives the results of a fresh one', async (t) => {
  const programs = [
    py('def add(a, b):\n    return a + b', ['assert add(1, 2) == 3', 'assert add(1, 2) == 4']),
    py('def f(:\n    pass'),
    py('raise KeyError("k")'),
    py('import re\nprint(re.findall(r"\\d+", "a1b22"))\nx = {1: 2}\nx'),
    py('import random\nprint(len([random.random() for _ in range(3)]))'),
    py('import sys\nsys.exit(2)'),
    py('print("é ☃ \\U0001F600")\nimport sys\nprint("err", file=sys.stderr)'),
    py('def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)', ['assert fib(20) == 6765', 'fib(-1) + None']),
  ];
  const reset = await loggingSandbox();
  const fresh = await loggingSandbox({ pythonReset: false });
  try {
    for (let round = 0; round < 2; round++) {
      for (const p of programs) {
        const a = await reset.sandbox.run(p), b = await fresh.sandbox.run(p);
        const view = (r: typeof a) => ({ status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error, tests: r.tests, returnPreview: r.returnPreview });
        t.same(view(a), view(b), p.code.split('\n')[0]);
      }
    }
    t.ok(reset.resets() >= 2 * programs.length - 2, `reset interpreters: ${reset.resets()} resets`);
    t.equal(fresh.resets(), 0, 'pythonReset: false boots every run');
  } finally {
    await reset.sandbox.dispose();
    await fresh.sandbox.dispose();
  }
  await t.rejects(Sandbox.create({ pythonReset: 'yes' as unknown as boolean }), { name: 'InvalidArgumentError' });
});

// The reset itself, on an interpreter in this process: restore() writes the recorded heap
// and hiwire tables back (control: without it the change stays), unrestorable() names what
// it cannot undo.
t.test('InterpreterReset: restore undoes, unrestorable names what it cannot', async (t) => {
  const { loadPyodide } = require(path.dirname(require.resolve('pyodide/package.json'))) as {
    loadPyodide: (o: object) => Promise<{ runPython(c: string): unknown; _module: object; _api: object }>;
  };
  const jsglobals = Object.create(null) as object;
  const pyo = await loadPyodide({ jsglobals, env: { HOME: '/home/pyodide' }, stdout: () => undefined, stderr: () => undefined });
  pyo.runPython('import builtins\nfrom pyodide.ffi import to_js\nx = 1');
  const reset = new InterpreterReset(pyo as never, jsglobals);
  t.equal(reset.unrestorable(), undefined, 'nothing to undo yet');

  pyo.runPython('builtins.ce_mark = 1\nkept = [to_js([i]) for i in range(100)]');
  t.equal(pyo.runPython("hasattr(builtins, 'ce_mark')"), true, 'control: the change is there before restore');
  t.equal(reset.unrestorable(), undefined, 'a heap change is restorable');
  reset.restore();
  t.equal(pyo.runPython("hasattr(builtins, 'ce_mark')"), false, 'restore() undid it');
  t.equal(pyo.runPython("'kept' in globals()"), false);
  t.equal(pyo.runPython('len(to_js([1, 2, 3]))'), 3, 'JS proxies work after the hiwire tables are written back');
  for (let i = 0; i < 3; i++) {
    pyo.runPython('kept = [to_js([i]) for i in range(500)]\ndel kept');
    reset.restore();
  }
  t.equal(pyo.runPython('sum(to_js([4, 5]).to_py())'), 9, 'and after many rounds');

  const M = pyo._module as Record<string, unknown>;
  const anExport = Object.keys(M).find((k) => typeof M[k] === 'function' && /^\d+$/.test((M[k] as () => void).name))!;
  const original = M[anExport];
  M[anExport] = () => 0;
  t.equal(reset.unrestorable(), undefined, 'a replaced wasm export is not compared right before a job');
  t.match(reset.unrestorable(true), new RegExp(`property ${anExport} was changed`), 'but after one');
  M[anExport] = original;
  (pyo._module as Record<string, unknown>).ce_added = 1;
  t.match(reset.unrestorable(), /Pyodide's JavaScript was changed: property ce_added was added/);
  delete (pyo._module as Record<string, unknown>).ce_added;
  t.equal(reset.unrestorable(), undefined);
  pyo.runPython("import os\nos.chdir('/tmp')");
  t.match(reset.unrestorable(), /working directory/);
  pyo.runPython("os.chdir('/home/pyodide')");
  t.equal(reset.unrestorable(), undefined);
  pyo.runPython("open('/tmp/ce_x', 'w').close()");
  t.match(reset.unrestorable(), /file system \(mknod\)/);
});
