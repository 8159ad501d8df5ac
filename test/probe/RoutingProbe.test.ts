import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { FenceCloseEvent } from '../../lib/detect';
import { CompilerExpertError } from '../../lib/errors';
import { HeuristicRouter } from '../../lib/routing';
import { PROBE_FORMAT, PROBE_FORMAT_VERSION, ProbeFormatError, ProbeModelMismatchError, RoutingProbe, type ProbeFile } from '../../lib/probe';

const model = { info: { id: 'model-a', name: 'Tiny A', hiddenSize: 4 } };
const other = { info: { id: 'model-b', name: 'Tiny B', hiddenSize: 4 } };

/** A probe whose score is sigmoid(sign · hidden[0]): crafted so the test controls the decision. */
function crafted(sign = 1, threshold = 0.5): ProbeFile {
  return {
    format: PROBE_FORMAT,
    version: PROBE_FORMAT_VERSION,
    model: { id: 'model-a', name: 'Tiny A', numLayers: 2, hiddenSize: 4 },
    layer: 1,
    weights: [sign * 2, 0, 0, 0],
    bias: 0,
    scaler: { mean: [1, 0, 0, 0], std: [2, 1, 1, 1] },
    threshold,
    targetPrecision: 0.9,
    metrics: { cvAuroc: 1, heldOutAuroc: 1, heldOutPrecision: 1, heldOutRecall: 1, trainCount: 10, heldOutCount: 4 },
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

const block = (language: string | undefined, code = 'print(1)'): FenceCloseEvent => ({ type: 'fence_close', language, info: language ?? '', fence: '```', code, start: 0, end: 10 });
const hidden = (x: number) => Float32Array.from([x, 5, -5, 3]);

t.test('the probe decides what the heuristics let through', async (t) => {
  const probe = RoutingProbe.fromJSON(crafted(), model);
  t.equal(probe.captureLayer, 1, 'asks the generator for its layer');
  const python = block('python');
  t.equal(new HeuristicRouter().route({ block: python }).run, true, 'heuristics accept the block');
  // score = sigmoid(2 · (x - 1) / 2) = sigmoid(x - 1)
  const low = probe.route({ block: python, hidden: hidden(-2) });
  t.equal(low.run, false, 'rejected: score below threshold');
  t.ok(low.score! < 0.5);
  t.match(low.reason, /probe L1/);
  const high = probe.route({ block: python, hidden: hidden(4) });
  t.equal(high.run, true, 'accepted: score above threshold');
  t.ok(Math.abs(high.score! - 1 / (1 + Math.exp(-3))) < 1e-9, 'score = sigmoid(w·(x-mean)/std + b)');
  // The same hidden state with the direction flipped: the probe, not the block, decides.
  const flipped = RoutingProbe.fromJSON(crafted(-1), model);
  t.equal(flipped.route({ block: python, hidden: hidden(-2) }).run, true);
  t.equal(flipped.route({ block: python, hidden: hidden(4) }).run, false);
});

t.test('the heuristic gate is final and the probe needs a hidden state', async (t) => {
  const probe = RoutingProbe.fromJSON(crafted(1, 0.01), model);
  t.equal(probe.route({ block: block('bash', 'ls'), hidden: hidden(10) }).run, false, 'a shell block never runs');
  t.equal(probe.route({ block: block('python', '  '), hidden: hidden(10) }).run, false, 'an empty block never runs');
  const noHidden = probe.route({ block: block('python') });
  t.equal(noHidden.run, true, "without a hidden state the gate's decision stands");
  t.equal(noHidden.score, undefined);
  t.throws(() => probe.score(new Float32Array(3)), { code: 'INVALID_ARGUMENT' });
});

t.test('a probe file round-trips', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  const file = path.join(dir, 'probe.json');
  const probe = RoutingProbe.fromJSON(crafted(), model);
  await probe.save(file);
  const back = await RoutingProbe.load(file, model);
  t.same(back.toJSON(), crafted());
  t.same(JSON.parse(readFileSync(file, 'utf8')), crafted());
  for (const x of [-3, 0, 1, 2.5]) t.equal(back.score(hidden(x)), probe.score(hidden(x)));
});

t.test('a probe for another model is refused with a typed error', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  const file = path.join(dir, 'probe.json');
  writeFileSync(file, JSON.stringify(crafted()));
  const err = await RoutingProbe.load(file, other).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(err instanceof ProbeModelMismatchError);
  t.ok(err instanceof CompilerExpertError);
  t.match(err, { code: 'PROBE_MODEL_MISMATCH', name: 'ProbeModelMismatchError', probeModel: { id: 'model-a' }, model: { id: 'model-b' } });
  t.match((err as Error).message, /trained for model Tiny A/);
});

t.test('invalid files are refused with a typed error', async (t) => {
  t.throws(() => RoutingProbe.fromJSON({ ...crafted(), version: 99 }, model), ProbeFormatError);
  t.throws(() => RoutingProbe.fromJSON({ ...crafted(), weights: [1, 2] }, model), { code: 'PROBE_FORMAT' });
  t.throws(() => RoutingProbe.fromJSON({ ...crafted(), threshold: 2 }, model), { code: 'PROBE_FORMAT' });
  t.throws(() => RoutingProbe.fromJSON({ ...crafted(), model: { ...crafted().model, hiddenSize: 8 } }, { info: { ...model.info, hiddenSize: 4 } }), { code: 'PROBE_FORMAT' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  const file = path.join(dir, 'bad.json');
  writeFileSync(file, '{ not json');
  await t.rejects(RoutingProbe.load(file, model), { code: 'PROBE_FORMAT' });
});
