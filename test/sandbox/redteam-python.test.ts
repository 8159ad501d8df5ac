import t from 'tap';
import { Sandbox, type RunStatus } from '../../lib/sandbox';
import { createSandbox, describe, listenCounter } from './helpers';

// Hostile Python: Pyodide alone is no sandbox (js, pyodide_js, os.system, ctypes, sockets);
// each route must fail inside, with the host (and this process) unharmed.
interface Case {
  name: string;
  code: string;
  status: RunStatus | RunStatus[];
  timeoutMs?: number;
  forbid?: RegExp;
  expect?: RegExp;
}

const SECRET = 'CE_SANDBOX_TEST_SECRET';
process.env[SECRET] = 'leaked-secret-value';
const ESCAPED = /ESCAPED|uid=|leaked-secret-value|pid:\d/;

function cases(port: number): Case[] {
  return [
    { name: 'import js', code: 'import js\nprint("ESCAPED", js.process.pid)', status: 'runtime_error', forbid: ESCAPED },
    { name: 'import js after clearing sys.modules', code: 'import sys\ndel sys.modules["js"]\nimport js\nprint("keys", list(dir(js))[:5])\nprint("pid:%s" % js.process.pid)', status: 'runtime_error', forbid: ESCAPED },
    { name: 'pyodide_js and loadPackage', code: 'import sys\ndel sys.modules["pyodide_js"]\nimport pyodide_js\npyodide_js.loadPackage("numpy")\nprint("ESCAPED")', status: 'runtime_error', forbid: ESCAPED },
    { name: 'JsProxy Function constructor', code: 'import sys\ndel sys.modules["pyodide_js"]\nimport pyodide_js\np = pyodide_js.runPython.constructor("return process")()\nprint("ESCAPED", p.pid)', status: 'runtime_error', forbid: ESCAPED },
    { name: 'pyodide.code.run_js', code: 'from pyodide.code import run_js\nprint("ESCAPED", run_js("process.pid"))', status: 'runtime_error', forbid: ESCAPED },
    { name: 'os.system', code: 'import os\nprint(os.system("id"))', status: 'runtime_error', forbid: ESCAPED },
    { name: 'posix.system behind the seat belt', code: 'import posix\nr = posix.system("id > /dev/stderr; echo ESCAPED")\nprint("rc", r)', status: ['ok', 'runtime_error'], forbid: ESCAPED },
    { name: 'subprocess', code: 'import subprocess\nprint(subprocess.run(["id"], capture_output=True).stdout)', status: 'runtime_error', forbid: ESCAPED },
    { name: 'ctypes emscripten_run_script', code: 'import ctypes\nlib = ctypes.CDLL(None)\nlib.emscripten_run_script(b"globalThis.__x = process.pid")\nprint("ESCAPED")', status: 'runtime_error', forbid: ESCAPED },
    { name: 'socket to a host port', code: `import socket\ns = socket.create_connection(("127.0.0.1", ${port}), timeout=1)\nprint("ESCAPED connected")`, status: 'runtime_error', forbid: ESCAPED },
    { name: 'environment', code: `import os\nprint(sorted(os.environ.keys()))\nprint(os.environ.get("${SECRET}"))`, status: 'ok', forbid: ESCAPED },
    { name: 'host files', code: 'print(open("/etc/passwd").read()[:50])\nprint("ESCAPED")', status: 'runtime_error', forbid: ESCAPED },
    { name: 'micropip', code: 'import micropip', status: 'runtime_error' },
    { name: 'threads', code: 'import threading\nthreading.Thread(target=print).start()', status: 'runtime_error' },
    { name: 'input()', code: 'x = input()', status: 'runtime_error' },
    { name: 'busy loop', code: 'while True:\n    pass', status: 'timeout', timeoutMs: 800 },
    { name: 'bytearray of 1 GiB', code: 'x = bytearray(2**30)\nprint(len(x))', status: 'memory_limit' },
    // A long wall clock, so that on a loaded machine the memory limit is what stops it.
    { name: 'many small allocations', code: 'a = []\nwhile True:\n    a.append("x" * 100000)', status: 'memory_limit', timeoutMs: 20000 },
    { name: 'deep recursion with a raised limit', code: 'import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1)\nf(0)', status: ['runtime_error', 'memory_limit'] },
    { name: 'output flood', code: 'while True:\n    print("x" * 100)', status: 'output_limit' },
    { name: 'sys.exit(3)', code: 'import sys\nsys.exit(3)', status: 'runtime_error' },
  ];
}

let sandbox: Sandbox;
let server: Awaited<ReturnType<typeof listenCounter>>;
t.before(async () => {
  server = await listenCounter();
  sandbox = await createSandbox();
});
t.teardown(async () => {
  await sandbox.dispose();
  await server.close();
});

t.test('hostile programs', async (t) => {
  for (const c of cases(server.port)) {
    await t.test(c.name, async (t) => {
      const r = await sandbox.run({ language: 'python', code: c.code, limits: { timeoutMs: c.timeoutMs ?? 4000 } });
      const want = Array.isArray(c.status) ? c.status : [c.status];
      t.ok(want.includes(r.status), `status ${r.status} in ${want.join('|')}: ${describe(r)}`);
      if (c.forbid) {
        t.notMatch(r.stdout, c.forbid, 'no escape (stdout)');
        t.notMatch(r.stderr, c.forbid, 'no escape (stderr)');
      }
      if (c.expect) t.match(r.stdout, c.expect);
    });
  }
  t.equal(server.count(), 0, 'no connection reached the test process');
});

t.test('no state survives into the next run', async (t) => {
  const first = await sandbox.run({
    language: 'python',
    code: 'import builtins, json, sys\nbuiltins.LEAK = 1\njson.dumps = None\nsys.modules["evil"] = sys\nopen("/tmp/state.txt", "w").write("x")\nLEAK',
  });
  t.equal(first.status, 'ok', describe(first));
  const second = await sandbox.run({
    language: 'python',
    code: 'import builtins, json, os, sys\nprint(hasattr(builtins, "LEAK"), json.dumps is None, "evil" in sys.modules, os.path.exists("/tmp/state.txt"))',
  });
  t.equal(second.stdout, 'False False False False\n', describe(second));
});

t.test('healthy afterwards', async (t) => {
  const r = await sandbox.run({ language: 'python', code: 'print(sum(range(10)))' });
  t.equal(r.stdout, '45\n', describe(r));
});
