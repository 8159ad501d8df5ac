// The best-of-n strategies: the selection order on hand-made candidate sets, and the real
// default model end to end (adaptive stop, a search when greedy fails, a repair after a
// failing best candidate, sessions cleaned up), plus the hidden-test firewall of the benchmark.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import { Generator, InvalidArgumentError, type Sandbox } from '../../lib';
import { GeneratorAnswerSource, runBench, type BenchTask } from '../../lib/bench';
import { agreeing, countCrashes, hasProbeExamples, isFailedOutcome, passesVisible, selectCandidate, type CandidateScore } from '../../lib/generate/bestOfN';
import type { ExpertVerdict } from '../../lib/experts/types';
import type { RunRequest } from '../../lib/sandbox';
import { collectEvents } from '../fixtures/collectEvents';
import { loadExpertModel } from '../fixtures/expertModel';

const cand = (visiblePassed: number, generatedPassed = 0, signature = 'x', hasCode = true): CandidateScore => ({ hasCode, visiblePassed, visibleTotal: 3, generatedPassed, signature });

t.test('selection order: visible checks, then agreement, then generated checks, then the earliest', async (t) => {
  t.equal(selectCandidate([cand(1), cand(3), cand(2)]), 1, 'most visible checks passed');
  t.equal(selectCandidate([cand(2, 3, 'a'), cand(2, 3, 'b'), cand(2, 3, 'b'), cand(0, 0, 'c')]), 1, 'ties on visible checks go to the largest group that behaves alike');
  t.equal(selectCandidate([cand(2, 9, 'a'), cand(2, 1, 'b'), cand(2, 1, 'b')]), 1, 'agreement outweighs generated checks');
  t.equal(selectCandidate([cand(2, 9, 'b'), cand(3, 0, 'a'), cand(2, 9, 'b'), cand(2, 9, 'b')]), 1, 'a group never outweighs a visible check');
  t.equal(selectCandidate([cand(2, 1), cand(2, 4), cand(1, 9)]), 1, 'then generated checks');
  t.equal(selectCandidate([cand(2, 3, 'a'), cand(2, 3, 'b')]), 0, 'then the earliest (the greedy candidate)');
  t.equal(selectCandidate([cand(0, 0, '', false), cand(0, 0, 'y')]), 1, 'any judged code beats none');
  t.equal(selectCandidate([cand(0, 0, '', false)]), 0, 'a single candidate is chosen');
  t.throws(() => selectCandidate([]), InvalidArgumentError);
});

t.test('agreeing counts each candidate’s group; candidates without code are in none', async (t) => {
  t.same(agreeing([cand(1, 0, 'a'), cand(1, 0, 'b'), cand(1, 0, 'a'), cand(0, 0, 'a', false)]), [2, 1, 2, 0]);
});

t.test('crashes: probes where a candidate raised and a peer returned a value', async (t) => {
  t.ok(isFailedOutcome('raises ValueError'));
  t.ok(isFailedOutcome('timeout'));
  t.notOk(isFailedOutcome("'timeout'"), 'a string value is a value');
  t.notOk(isFailedOutcome('None'));
  const obs = (...o: string[]) => ({ observations: o, calls: 'c' });
  t.same(countCrashes([obs('1', 'raises ValueError', 'timeout'), obs('1', '2', 'timeout'), obs('1', 'raises IndexError', 'raises IndexError'), { observations: undefined }]), [1, 0, 1, 0],
    'only where some peer returned; everyone failing the same probe counts for no one');
  t.same(countCrashes([obs('raises E'), { observations: ['1'], calls: 'other' }]), [0, 0], 'probes on other calls are not compared');
  const crashy = { ...cand(2, 0, 'a'), crashes: 2 };
  t.equal(selectCandidate([crashy, crashy, { ...cand(2, 0, 'b'), crashes: 0 }]), 2, 'fewer crashes outweigh a larger group');
  t.equal(selectCandidate([cand(2), { ...cand(3, 0, 'a'), crashes: 5 }]), 1, 'but never a visible check');
});

t.test('agreement needs examples to probe: asserts, doctests, the caller’s tests', async (t) => {
  t.ok(hasProbeExamples({ prompt: 'Write f.\n>>> f(2)\n4' }));
  t.ok(hasProbeExamples({ prompt: 'Write f.', tests: ['assert f(2) == 4'] }));
  t.ok(hasProbeExamples({ prompt: 'Write f so that f(2) returns 4.', language: 'javascript' }));
  t.notOk(hasProbeExamples({ prompt: 'Write a function that doubles a number.' }));
});

t.test('a candidate passes when every visible check does; generated checks do not decide', async (t) => {
  const v = (status: ExpertVerdict['status']) => ({ status }) as ExpertVerdict;
  t.ok(passesVisible({ hasCode: true, verdict: v('ok'), visiblePassed: 2, visibleTotal: 2 }));
  t.ok(passesVisible({ hasCode: true, verdict: v('test_failure'), visiblePassed: 2, visibleTotal: 2 }), 'only a generated check failed');
  t.notOk(passesVisible({ hasCode: true, verdict: v('test_failure'), visiblePassed: 1, visibleTotal: 2 }), 'a visible check failed');
  t.notOk(passesVisible({ hasCode: true, verdict: v('runtime_error'), visiblePassed: 0, visibleTotal: 0 }), 'it crashed');
  t.notOk(passesVisible({ hasCode: true, verdict: v('warning'), visiblePassed: 1, visibleTotal: 1 }), 'it returned None where a value was expected');
  t.notOk(passesVisible({ hasCode: false, verdict: undefined, visiblePassed: 0, visibleTotal: 0 }), 'no code');
});

const collect = collectEvents;

t.test('default model', async (t) => {
  const { model, sandbox, experts } = await loadExpertModel(t);
  // Sessions the model still tracks (forks included): none may outlive a generation.
  const liveSessions = () => (model as unknown as { sessions: Set<unknown> }).sessions.size;
  const request = { prompt: 'Write a Python function add(a, b) that returns the sum of a and b.' };

  t.test('no examples to probe and greedy passes: the search stops at one candidate', async (t) => {
    const gen = new Generator(model, { experts, strategy: 'best-of-n', maxTokens: 120 });
    const events = await collect(gen.run(request));
    const c = events.find((e) => e.type === 'candidates');
    if (c?.type !== 'candidates') return t.fail('no candidates event');
    t.equal(c.candidates.length, 1, 'adaptive: only the greedy candidate');
    t.equal(c.candidates[0].observations, undefined, 'nothing probed');
    t.ok(c.candidates[0].greedy);
    t.equal(c.candidates[0].visiblePassed, c.candidates[0].visibleTotal);
    const done = events.at(-1);
    if (done?.type !== 'done') return t.fail('no done event');
    t.equal(done.result.finish, 'passed');
    t.equal(done.result.answer, c.candidates[0].text, 'the answer is the chosen candidate');
    t.match(done.result.finalCode?.code ?? '', /def add/);
    t.equal(liveSessions(), 0, 'every session is disposed');
  });

  t.test('with examples: greedy and samples decode together and are compared on the probes', async (t) => {
    const gen = new Generator(model, { experts, strategy: 'best-of-n', maxTokens: 120, sampling: { seed: 7 }, bestOfN: { samples: 2 } });
    const events = await collect(gen.run({ ...request, tests: ['assert add(2, 3) == 5'] }));
    const c = events.find((e) => e.type === 'candidates');
    if (c?.type !== 'candidates') return t.fail('no candidates event');
    t.same(c.candidates.map((x) => x.greedy), [true, false, false], 'sampled although greedy passes');
    for (const x of c.candidates.filter((x) => x.hasCode)) {
      t.equal(x.observations?.length, 5, `candidate ${x.index} probed on add(2, 3) and its 4 nudges`);
      t.equal(x.agreeing, c.candidates.filter((y) => JSON.stringify(y.observations) === JSON.stringify(x.observations)).length, 'its group counted');
    }
    const greedy = c.candidates[0];
    if (greedy.visiblePassed === greedy.visibleTotal) t.ok(greedy.observations?.[0] === '5', 'greedy returns 5 for add(2, 3)');
    t.equal(c.chosen, selectCandidate(c.candidates.map((x) => ({ ...x, signature: JSON.stringify(x.observations ?? []) }))), 'the chosen one is the selection’s');
    const blocks = c.candidates.map((x) => x.code).filter((x) => x !== undefined);
    t.ok(new Set(blocks).size < blocks.length, 'at the default temperature this model repeats a block (fixed seed)');
    const done = events.at(-1);
    if (done?.type !== 'done') return t.fail('no done event');
    t.equal(done.result.expertCalls, new Set(blocks).size, 'so it is judged once');
    t.equal(liveSessions(), 0, 'every fork is disposed');
  });

  t.test('none passes: more are sampled, up to maxSamples, all judged and the best chosen', async (t) => {
    // A visible check no sum passes: every candidate fails it, so all are sampled and judged.
    // A hot sampler: this small model writes `a + b` the same way at the default temperature.
    const gen = new Generator(model, { experts, strategy: 'best-of-n', maxTokens: 120, bestOfN: { samples: 3, maxSamples: 6, sampling: { temperature: 1.5, minP: 0 } } });
    const events = await collect(gen.run({ ...request, tests: ['assert add(2, 3) == 6'] }));
    const c = events.find((e) => e.type === 'candidates');
    if (c?.type !== 'candidates') return t.fail('no candidates event');
    t.equal(c.candidates.length, 7, 'greedy + 3 sampled, then 3 more');
    t.same(c.candidates.map((x) => x.greedy), [true, false, false, false, false, false, false]);
    t.same(c.candidates.map((x) => x.index), [0, 1, 2, 3, 4, 5, 6]);
    t.ok(c.candidates.some((x) => x.text !== c.candidates[0].text), 'sampled candidates differ from greedy');
    const done = events.at(-1);
    if (done?.type !== 'done') return t.fail('no done event');
    t.equal(done.result.generatedTokens, c.candidates.reduce((a, x) => a + x.tokens, 0), 'every candidate’s tokens are counted');
    const blocks = c.candidates.filter((x) => x.code !== undefined).map((x) => x.code);
    t.ok(blocks.length > 0, 'candidates closed blocks');
    t.equal(done.result.expertCalls, new Set(blocks).size, 'one expert run per distinct block: equal blocks share their verdict');
    for (const x of c.candidates) {
      const twin = c.candidates.find((y) => y.code === x.code);
      if (x.code !== undefined) t.same([x.status, x.visiblePassed], [twin!.status, twin!.visiblePassed], `candidate ${x.index} has its twin’s verdict`);
    }
    t.equal(done.result.candidates?.length, 7);
    t.not(done.result.finish, 'passed');
    t.equal(liveSessions(), 0, 'every fork is disposed');
  });

  t.test('best-of-n+repair repairs the best candidate when none passes', async (t) => {
    const gen = new Generator(model, { experts, strategy: 'best-of-n+repair', maxTokens: 120, maxRounds: 1, bestOfN: { samples: 2 } });
    const events = await collect(gen.run({ ...request, tests: ['assert add(2, 3) == 6'] }));
    const kinds = events.map((e) => e.type);
    t.ok(kinds.indexOf('candidates') >= 0 && kinds.indexOf('candidates') < kinds.indexOf('injected'), 'search first, then a verdict is injected');
    const done = events.at(-1);
    if (done?.type !== 'done') return t.fail('no done event');
    t.ok(done.result.blocks.length >= 1, 'the repair loop judged the chosen block');
    t.equal(done.result.candidates?.length, 5, 'greedy + 2 sampled, then 2 more (maxSamples defaults to twice samples)');
    t.ok(done.result.generatedTokens >= done.result.candidates!.reduce((a, x) => a + x.tokens, 0), 'the search tokens are counted in the total');
    t.equal(liveSessions(), 0);
  });

  t.test('the benchmark never shows hidden tests to a strategy', async (t) => {
    const marker = 'HIDDEN_MARKER_4711';
    const seen: RunRequest[] = [];
    // The strategy's sandbox records every program it is asked to run; the hidden tests go
    // to the benchmark's own runner.
    const spy = { run: (req: RunRequest) => (seen.push(req), sandbox.run(req)) } as unknown as Sandbox;
    const task: BenchTask = {
      id: 'firewall', kind: 'function', language: 'python', entryPoint: 'add',
      prompt: request.prompt, examples: ['assert add(2, 3) == 6'],
      hiddenTests: [`assert add(1, 1) == 2, "${marker}"`],
    };
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ce-firewall-'));
    t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
    const source = new GeneratorAnswerSource(model, { sandbox: spy, maxTokens: 100, maxRounds: 1, bestOfN: { samples: 2 } });
    const ran: RunRequest[] = [];
    const runner = { run: (req: RunRequest) => (ran.push(req), sandbox.run(req)) };
    const { written } = await runBench({ tasks: [task], conditions: ['best-of-n', 'best-of-n+repair'], source, runner, out: path.join(dir, 'r.jsonl') });
    await source.dispose();
    t.equal(written.length, 2);
    t.ok(seen.length > 0, 'the strategies ran code');
    t.notOk(seen.some((r) => JSON.stringify(r).includes(marker)), 'no strategy input holds hidden test text');
    t.ok(ran.some((r) => JSON.stringify(r).includes(marker)), 'the hidden tests did run, in the benchmark’s runner');
    for (const r of written) t.ok(r.oracle && r.oracle.candidates >= 1, `${r.condition}: oracle counted over the candidates`);
  });
});
