// Real model: hidden states at the trigger of a few short contexts (SmolLM2-135M, ~seconds).
import t from 'tap';
import { loadModel, resolveModelPath } from '../../lib/runtime';
import { contextBlock } from '../../lib/probe/contextBlock';
import { calibrationContexts, collectFeatures, defaultRoutingProbe, renderContext } from '../../lib/probe';

// One load for both tests: loading is most of this file's time.
const loading = resolveModelPath('default').then((file) => loadModel(file));
t.teardown(async () => (await loading).dispose());

t.test('the shipped probe loads for the default model and routes held-out contexts', async (t) => {
  const model = await loading;
  const probe = defaultRoutingProbe(model);
  const all = calibrationContexts();
  // A held-out snippet: the same code, once offered as the answer, once quoted to be explained.
  const pair = ['py-factorial/answer', 'py-factorial/explain'].map((id) => all.find((c) => c.id === id)!);
  t.ok(pair.every((c) => c.heldOut));
  const features = await collectFeatures(model, pair);
  const decisions = pair.map((c, i) => probe.route({ block: contextBlock(c), hidden: features.vector(i, probe.captureLayer) }));
  t.equal(decisions[0].run, true, `answer: ${decisions[0].reason}`);
  t.equal(decisions[1].run, false, `explain: ${decisions[1].reason}`);
});

t.test('collects every layer at the last token of each context', async (t) => {
  const model = await loading;
  const contexts = calibrationContexts().filter((c) => c.frame === 'seed').slice(0, 3);
  const text = renderContext(model, contexts[0]);
  t.ok(text.endsWith(contexts[0].assistant), 'the assistant text follows the template verbatim');
  t.notMatch(text.slice(-contexts[0].assistant.length - 30), /<\|im_end\|>\s*$/, 'no end-of-turn after the trigger');
  const progress: number[] = [];
  const features = await collectFeatures(model, contexts, { onProgress: (done) => progress.push(done) });
  t.same(progress, [1, 2, 3]);
  t.equal(features.count, 3);
  t.equal(features.numLayers, model.info.numLayers + 1);
  t.equal(features.hiddenSize, model.info.hiddenSize);
  t.ok(features.data.every(Number.isFinite));
  // Same context again gives the same states (the session was rewound, not polluted).
  const again = await collectFeatures(model, contexts.slice(0, 1));
  const top = model.info.numLayers;
  const a = features.vector(0, top);
  const b = again.vector(0, top);
  const maxDiff = a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j])), 0);
  t.ok(maxDiff < 1e-3, `max diff ${maxDiff}`);
});
