// Many Python runs at once, as a search judging its candidates together asks for: before the
// host gated them, a dozen interpreters booting together exhausted its address space and the
// host aborted, failing every run in flight as memory_limit (seen on HumanEval/101).
import t from 'tap';
import { AbortError, Sandbox } from '../../lib/sandbox';
import { describe } from './helpers';

const code = 'def words(s):\n    return s.replace(",", " ").split()\n';
const tests = ['assert words("a, b c") == ["a", "b", "c"]'];

t.test('twelve concurrent Python runs all pass', async (t) => {
  const sandbox = await Sandbox.create({ warm: ['python'], limits: { timeoutMs: 5000 } });
  t.teardown(() => sandbox.dispose());
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => sandbox.run({ language: 'python', code: `${code}print(${i})`, tests })));
  for (const [i, r] of results.entries()) {
    t.equal(r.status, 'ok', `run ${i}: ${describe(r)}`);
    t.equal(r.stdout, `${i}\n`, `run ${i} printed its own output`);
  }
});

t.test('a queued run gets its whole deadline from when it starts, and can be aborted while it waits', async (t) => {
  // One turn and a short grace: the runs behind a slow one wait longer than timeout + grace,
  // which must not count against them (nor make the caller kill the host as hung).
  // Each slow run takes ~2.5 s with its boot; the fourth starts ~7.5 s after it was sent,
  // past its 6.5 s of timeout + grace.
  const sandbox = await Sandbox.create({ warm: ['python'], pythonRunsAtOnce: 1, hostGraceMs: 1500, limits: { timeoutMs: 5000 } });
  t.teardown(() => sandbox.dispose());
  const slow = 'import time\nend = time.time() + 2.0\nwhile time.time() < end:\n    pass\nprint("slow")';
  const runs = Array.from({ length: 4 }, () => sandbox.run({ language: 'python', code: slow }));
  const controller = new AbortController();
  const waiting = sandbox.run({ language: 'python', code: 'print("never")' }, { signal: controller.signal });
  setTimeout(() => controller.abort(), 300);
  const t0 = performance.now();
  await t.rejects(waiting, AbortError, 'the aborted waiter rejects');
  t.ok(performance.now() - t0 < 1000, 'promptly, without waiting for its turn');
  const results = await Promise.all(runs);
  for (const [i, r] of results.entries()) {
    t.equal(r.status, 'ok', `slow run ${i}: ${describe(r)}`);
    t.equal(r.stdout, 'slow\n');
  }
  const after = await sandbox.run({ language: 'python', code, tests });
  t.equal(after.status, 'ok', `the sandbox still runs: ${describe(after)}`);
});

t.test('pythonRunsAtOnce is checked', async (t) => {
  await t.rejects(Sandbox.create({ pythonRunsAtOnce: 0 }), { name: 'InvalidArgumentError' });
});
