/** Markdown report of a calibration run: data, per-layer table, router comparison, misses. */
import type { CalibrationResult } from './calibrateProbe';
import type { BinaryMetrics } from './metrics';

/** Context of the run that the result itself does not hold. */
export interface ReportInfo {
  modelName: string;
  modelId: string;
  /** Seconds spent collecting features (0 when read from cache). */
  collectSeconds: number;
  trainSeconds: number;
  /** Relative path of the SVG chart, to embed; omitted when undefined. */
  chart?: string;
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const row = (name: string, m: BinaryMetrics) =>
  `| ${name} | ${f3(m.precision)} | ${f3(m.recall)} | ${f3(m.f1)} | ${f3(m.accuracy)} | ${m.truePositives} | ${m.falsePositives} | ${m.falseNegatives} |`;

/** The report as Markdown. */
export function renderProbeReport(r: CalibrationResult, info: ReportInfo): string {
  const best = r.layers.find((l) => l.layer === r.bestLayer)!;
  const lines = [
    `# Routing probe: ${info.modelName}`,
    '',
    `Model id \`${info.modelId}\`. Calibrated ${r.probe.createdAt}.`,
    '',
    `Contexts: ${r.counts.train} for training (${r.counts.trainPositive} positive), ${r.counts.heldOut} held out (${r.counts.heldOutPositive} positive). ` +
      `${info.collectSeconds > 0 ? `Feature collection ${info.collectSeconds.toFixed(0)} s` : 'Features read from the cache'}, training ${info.trainSeconds.toFixed(1)} s.`,
    '',
    `**Chosen layer: ${r.bestLayer}** (best cross-validated AUROC, ties broken by log-loss). ` +
      `CV AUROC ${f3(best.cvAuroc)}, held-out AUROC ${f3(best.heldOutAuroc)}. ` +
      `Threshold ${r.threshold.toFixed(3)} for precision ≥ ${r.probe.targetPrecision} on the training split${r.thresholdReached ? '' : ' (not reached: best-F1 threshold used)'}.`,
    '',
  ];
  if (info.chart) lines.push(`![AUROC by layer](${info.chart})`, '');
  lines.push(
    '## Routers on the held-out split',
    '',
    'Positive = the code should be executed. The heuristic router looks only at the block (language tag, emptiness); ' +
      'the probe alone thresholds its score; combined = heuristics gate, probe decides (what `RoutingProbe.route` does).',
    '',
    '| router | precision | recall | F1 | accuracy | TP | FP | FN |',
    '|---|---|---|---|---|---|---|---|',
    row('heuristic', r.heldOut.heuristic),
    row(`probe (L${r.bestLayer})`, r.heldOut.probe),
    row('combined', r.heldOut.combined),
    '',
    '## Per-layer probes',
    '',
    'CV: 5-fold out-of-fold scores on the training split. Held-out: the probe trained on the whole training split. Accuracy and F1 at score 0.5.',
    '',
    '| layer | CV AUROC | CV acc | CV F1 | CV log-loss | held-out AUROC | held-out acc | held-out F1 |',
    '|---|---|---|---|---|---|---|---|',
    ...r.layers.map((l) => `| ${l.layer === r.bestLayer ? `**${l.layer}**` : l.layer} | ${f3(l.cvAuroc)} | ${f3(l.cvAccuracy)} | ${f3(l.cvF1)} | ${f3(l.cvLogLoss)} | ${f3(l.heldOutAuroc)} | ${f3(l.heldOutAccuracy)} | ${f3(l.heldOutF1)} |`),
    '',
  );
  if (r.frameTransfer.length) {
    lines.push(
      '## Unseen framings (leave one frame out)',
      '',
      `The split above shares templates between training and held-out contexts. Here the layer-${r.bestLayer} probe is trained without one framing ` +
        'and scored on every context of it, at the same threshold: a harder test of whether it learned intent or templates.',
      '',
      '| frame | contexts | should run | accuracy | mean score |',
      '|---|---|---|---|---|',
      ...r.frameTransfer.map((f) => `| ${f.frame} | ${f.count} | ${f.positives} | ${f3(f.accuracy)} | ${f3(f.meanScore)} |`),
      '',
      `All these scores pooled (every context scored by a probe that never saw its framing): AUROC ${f3(r.frameTransferAuroc)}.`,
      '',
    );
  }
  const wrong = r.decisions.filter((d) => d.combined !== d.label);
  lines.push('## Held-out errors of the combined router', '');
  if (wrong.length === 0) lines.push('None.', '');
  else {
    lines.push('| context | frame | should run | probe score | heuristic |', '|---|---|---|---|---|');
    for (const d of wrong) lines.push(`| ${d.id} | ${d.frame} | ${d.label ? 'yes' : 'no'} | ${d.score.toFixed(3)} | ${d.heuristic ? 'run' : 'skip'} |`);
    lines.push('');
  }
  return lines.join('\n');
}
