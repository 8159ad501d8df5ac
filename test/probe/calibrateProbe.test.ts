import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { calibrateProbe, FeatureCache, FeatureSet, RoutingProbe, renderAurocChart, renderProbeReport, type CalibrationContext } from '../../lib/probe';
import { rng } from './fixtures/rng';

// Synthetic features: 3 layers of width 8; only layer 2 carries the label (on feature 3).
const N = 120;
const LAYERS = 3;
const H = 8;
const r = rng(11);
const contexts: CalibrationContext[] = Array.from({ length: N }, (_, i) => ({
  id: `c/${i}`,
  label: i % 3 === 0,
  frame: i % 2 ? 'answer' : 'shell',
  heldOut: i % 4 === 1,
  user: `question ${i}`,
  assistant: i % 2 ? `Here:\n\n\`\`\`python\nprint(${i})\n\`\`\`\n` : `Run:\n\n\`\`\`bash\nls\n\`\`\``,
}));
const data = new Float32Array(N * LAYERS * H);
contexts.forEach((c, i) => {
  for (let l = 0; l < LAYERS; l++) {
    for (let j = 0; j < H; j++) data[(i * LAYERS + l) * H + j] = r.normal() + (l === 2 && j === 3 ? (c.label ? 2.5 : -2.5) : 0);
  }
});
const features = new FeatureSet(N, LAYERS, H, data);
const model = { info: { id: 'synthetic', name: 'Synthetic', numLayers: LAYERS - 1, hiddenSize: H } };

t.test('picks the layer that carries the signal and reports every router', async (t) => {
  const result = calibrateProbe(features, contexts, model, { folds: 4, iterations: 200 });
  t.equal(result.bestLayer, 2);
  t.equal(result.layers.length, LAYERS);
  const best = result.layers[2];
  t.ok(best.cvAuroc > 0.95 && best.heldOutAuroc > 0.95, `AUROC cv ${best.cvAuroc} held-out ${best.heldOutAuroc}`);
  t.ok(result.layers[0].heldOutAuroc < 0.8, 'a noise layer ranks near chance');
  t.match(result.counts, { train: 90, heldOut: 30 });
  t.equal(result.decisions.length, 30);
  t.same(result.frameTransfer.map((f) => f.frame).sort(), ['answer', 'shell'], 'one entry per frame');
  // Bash blocks never pass the gate, so combined recall counts only tagged-python positives.
  t.ok(result.heldOut.combined.recall <= result.heldOut.probe.recall);
  t.equal(result.probe.layer, 2);
  const probe = RoutingProbe.fromJSON(result.probe, model);
  t.equal(probe.captureLayer, 2);

  const report = renderProbeReport(result, { modelName: 'Synthetic', modelId: 'synthetic', collectSeconds: 0, trainSeconds: 1, chart: 'chart.svg' });
  t.match(report, /Chosen layer: 2/);
  t.match(report, /\| combined \|/);
  const svg = renderAurocChart(result.layers, result.bestLayer);
  t.match(svg, /^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.match(svg, /chosen: L2/);
});

t.test('features are cached per model and invalidated by a changed set', async (t) => {
  const cache = new FeatureCache(mkdtempSync(path.join(os.tmpdir(), 'probe-cache-')));
  t.equal(cache.read('synthetic', contexts), undefined);
  cache.write('synthetic', contexts, features);
  const back = cache.read('synthetic', contexts)!;
  t.same(back.data, features.data);
  t.equal(cache.read('other-model', contexts), undefined, 'keyed by model id');
  const changed = contexts.map((c, i) => (i === 0 ? { ...c, assistant: `${c.assistant} ` } : c));
  t.equal(cache.read('synthetic', changed), undefined, 'stale after a context changes');
});
