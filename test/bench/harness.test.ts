import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { readRecords, runBench, selectTasks, summarizeByApproach, type BenchRecord, type BenchSummary } from '../../lib/bench';
import { Sandbox, type RunResult } from '../../lib/sandbox';
import type { CodeRunner } from '../../lib/testgen';
import { SCRIPTS, TASKS } from './fixtures';
import { ScriptedAnswerSource } from './ScriptedAnswerSource';

let sandbox: Sandbox;
let dir: string;
t.before(async () => {
  sandbox = await Sandbox.create({ limits: { timeoutMs: 3000 } });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-'));
});
t.teardown(async () => {
  await sandbox.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});

const CONDITIONS = ['model-only', 'expert'] as const;
/**
 * The sandbox behind a cache: the resume and shard runs repeat the same programs, and a
 * fresh Pyodide per run costs seconds on a busy machine. Same results, fewer runs.
 */
const cache = new Map<string, Promise<RunResult>>();
const runner: CodeRunner = {
  run: (req) => {
    const key = JSON.stringify([req.language, req.code, req.tests, req.limits]);
    if (!cache.has(key)) cache.set(key, sandbox.run(req));
    return cache.get(key)!;
  },
};
const run = (out: string, source = new ScriptedAnswerSource(SCRIPTS), tasks = TASKS) =>
  runBench({ tasks, conditions: CONDITIONS, source, runner, out: path.join(dir, out) });
/** A summary without wall time, which differs between runs. */
const comparable = (s: BenchSummary[]) => s.map(({ meanWallMs, ...rest }) => rest).sort((a, b) => a.label.localeCompare(b.label));
const byKey = (rs: BenchRecord[]) => new Map(rs.map((r) => [`${r.taskId}|${r.condition}`, r]));

let single: BenchRecord[];

t.test('scripted answers give exactly the known metrics', async (t) => {
  const { written, skipped } = await run('single.jsonl');
  single = written;
  t.equal(written.length, 6);
  t.equal(skipped, 0);
  const r = byKey(written);

  t.match(r.get('a|model-only'), { blocks: 1, final: { syntaxValid: true, passed: true, testsPassed: 2 }, selfCorrected: false, coherent: true, expertCalls: 0 });
  t.match(r.get('a|expert'), { blocks: 2, first: { passed: false, status: 'test_failure' }, final: { passed: true }, selfCorrected: true, brokenByFeedback: false, coherent: true, expertCalls: 1 });
  t.match(r.get('b|model-only'), { final: { syntaxValid: false, passed: false, status: 'syntax_error' }, coherent: true });
  t.match(r.get('b|expert'), { first: { passed: true }, final: { syntaxValid: true, passed: false, status: 'test_failure', testsPassed: 0 }, brokenByFeedback: true, coherent: false, coherence: { noEcho: false, stopped: true, noLoop: true, finalCode: true } });
  t.match(r.get('c|model-only'), { blocks: 0, final: { status: 'no_code', syntaxValid: false }, coherent: false, coherence: { stopped: false, noLoop: false, finalCode: false, noEcho: true } });
  t.equal(r.get('c|model-only')!.first, undefined);
  // The usage example after the function is not taken for the answer's code.
  t.match(r.get('c|expert'), { blocks: 2, final: { passed: true }, coherent: true, finish: 'passed' });
  t.equal(r.get('a|expert')!.generatedTokens, SCRIPTS['a|expert'].turns.join('').length);
  // How a failing block failed, for the repair-rate table; nothing for a pass.
  t.equal(r.get('a|model-only')!.final.failure, undefined);
  t.equal(r.get('b|model-only')!.final.failure, 'SyntaxError');
  t.equal(r.get('b|expert')!.final.failure, 'wrong output');
  t.equal(r.get('a|expert')!.first?.failure, 'wrong output');

  const [modelOnly, expert] = summarizeByApproach(written);
  t.match(modelOnly, { label: 'model-only', tasks: 3, syntaxValid: { k: 1, n: 3 }, correct: { k: 1, n: 3 }, selfCorrected: { k: 0, n: 1 }, brokenByFeedback: { k: 0, n: 1 }, coherent: { k: 2, n: 3 }, meanExpertCalls: 0 });
  t.match(expert, { label: 'expert', tasks: 3, syntaxValid: { k: 3, n: 3 }, correct: { k: 2, n: 3 }, selfCorrected: { k: 1, n: 1 }, brokenByFeedback: { k: 1, n: 2 }, coherent: { k: 2, n: 3 } });
  t.equal(expert.meanExpertCalls, 2 / 3);
});

t.test('an interrupted run resumes where it stopped, with the same totals', async (t) => {
  const crashing = new ScriptedAnswerSource(SCRIPTS, 4);
  await t.rejects(run('resumed.jsonl', crashing), /scripted crash/);
  t.equal((await readRecords([path.join(dir, 'resumed.jsonl')])).length, 4);
  // A line cut mid-write by the crash is dropped and its pair run again.
  await fs.appendFile(path.join(dir, 'resumed.jsonl'), '{"taskId":"c","cond');
  const rest = new ScriptedAnswerSource(SCRIPTS);
  const second = await run('resumed.jsonl', rest);
  t.equal(second.skipped, 4);
  t.same(rest.calls, ['c|model-only', 'c|expert']);
  const merged = await readRecords([path.join(dir, 'resumed.jsonl')]);
  t.equal(merged.length, 6);
  t.same(comparable(summarizeByApproach(merged)), comparable(summarizeByApproach(single)));
  // A third run has nothing left to do.
  const idle = new ScriptedAnswerSource(SCRIPTS);
  t.equal((await run('resumed.jsonl', idle)).skipped, 6);
  t.same(idle.calls, []);
});

t.test('shards are disjoint, cover the run, and merge to the same totals', async (t) => {
  const shards = [1, 2].map((index) => selectTasks(TASKS, { shard: { index, count: 2 } }));
  t.same(shards.map((s) => s.map((x) => x.id)), [['a', 'c'], ['b']]);
  await run('shard-1.jsonl', undefined, shards[0]);
  await run('shard-2.jsonl', undefined, shards[1]);
  const merged = await readRecords([path.join(dir, 'shard-1.jsonl'), path.join(dir, 'shard-2.jsonl'), path.join(dir, 'shard-1.jsonl')]);
  t.equal(merged.length, 6, 'a file given twice does not count twice');
  t.same(comparable(summarizeByApproach(merged)), comparable(summarizeByApproach(single)));
});
