// Real model: hidden states at the trigger of a few short contexts (SmolLM2-135M, ~seconds).
import t from 'tap';
import { loadModel, resolveModelPath } from '../../lib/runtime';
import { calibrationContexts, collectFeatures, renderContext } from '../../lib/probe';

t.test('collects every layer at the last token of each context', async (t) => {
  const model = await loadModel(await resolveModelPath('default'));
  t.teardown(() => model.dispose());
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
