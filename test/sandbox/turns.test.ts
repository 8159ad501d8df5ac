// The host's gate on Python runs (lib/sandbox/Turns.ts): its count, its order, giving up.
import t from 'tap';
import { Turns } from '../../lib/sandbox/Turns';

const tick = () => new Promise((r) => setImmediate(r));

/** A job whose end the test decides, recording when it started. */
function job(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { finish, fn: async (waited: boolean) => { log.push(`${name}${waited ? ' (waited)' : ''}`); await done; return name; } };
}

t.test('at most `size` hold a turn; the others start in order as turns free up', async (t) => {
  const turns = new Turns(2);
  const log: string[] = [];
  const jobs = ['a', 'b', 'c', 'd'].map((n) => job(log, n));
  const results = jobs.map((j) => turns.run(j.fn));
  await tick();
  t.same(log, ['a', 'b'], 'two run, two wait');
  t.equal(turns.holding, 2);
  jobs[1].finish();
  await tick();
  t.same(log, ['a', 'b', 'c (waited)'], 'the first waiter takes the freed turn');
  jobs[0].finish();
  jobs[2].finish();
  jobs[3].finish();
  t.same(await Promise.all(results), ['a', 'b', 'c', 'd']);
  t.same(log, ['a', 'b', 'c (waited)', 'd (waited)']);
  t.equal(turns.holding, 0, 'every turn returned');
});

t.test('a waiter that gives up never runs, and the queue behind it moves on', async (t) => {
  const turns = new Turns(1);
  const log: string[] = [];
  const first = job(log, 'first'), gone = job(log, 'gone'), last = job(log, 'last');
  let abandon!: () => void;
  const abandoned = new Promise<void>((r) => (abandon = r));
  const r1 = turns.run(first.fn);
  const r2 = turns.run(gone.fn, abandoned);
  const r3 = turns.run(last.fn);
  abandon();
  t.equal(await r2, undefined, 'resolves undefined without running');
  first.finish();
  last.finish();
  t.same([await r1, await r3], ['first', 'last']);
  t.same(log, ['first', 'last (waited)']);
  t.equal(turns.holding, 0);
});

t.test('a waiter giving up as the turn frees leaves it to the one behind', async (t) => {
  const turns = new Turns(1);
  const log: string[] = [];
  const first = job(log, 'first'), last = job(log, 'last');
  let abandon!: () => void;
  const abandoned = new Promise<void>((r) => (abandon = r));
  const r1 = turns.run(first.fn);
  const r2 = turns.run(async () => 'never', abandoned);
  const r3 = turns.run(last.fn);
  // Both at once: the giving up lands first (the finished job still has to unwind).
  first.finish();
  abandon();
  await r1;
  const second = await r2;
  last.finish();
  t.equal(await r3, 'last', 'the one behind still runs');
  t.equal(second, undefined, 'the middle one gave up');
  t.same(log, ['first', 'last (waited)']);
  t.equal(turns.holding, 0, 'no turn lost');
});

t.test('a failing job returns its turn', async (t) => {
  const turns = new Turns(1);
  await t.rejects(turns.run(async () => { throw new Error('boom'); }), /boom/);
  t.equal(await turns.run(async () => 'next'), 'next');
  t.equal(turns.holding, 0);
});

t.test('sizes below 1 are refused', async (t) => {
  t.throws(() => new Turns(0), RangeError);
  t.throws(() => new Turns(1.5), RangeError);
});
