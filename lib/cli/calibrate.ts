/**
 * `calibrate`: collects hidden states at trigger positions of the calibration set,
 * trains a logistic probe per layer, and writes the best as a probe file, with a
 * Markdown report and an SVG chart of AUROC by layer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calibrateProbe } from '../probe/calibrateProbe';
import { collectFeatures } from '../probe/collectFeatures';
import { calibrationContexts } from '../probe/data/calibrationContexts';
import { FeatureCache } from '../probe/FeatureCache';
import { renderAurocChart } from '../probe/renderAurocChart';
import { renderProbeReport } from '../probe/renderProbeReport';
import { intFlag, parseArgs, stringFlag } from './args';
import { loadWithProgress } from './loadWithProgress';
import { progressBar } from './progress';

export const CALIBRATE_USAGE = `usage: compiler-expert calibrate [--model NAME|PATH] [--out probe.json] [--report report.md]
                                [--target-precision 0.9] [--folds 5] [--cache-dir DIR] [--no-cache]`;

/** Output file names when not given. */
export const DEFAULT_PROBE_FILE = 'probe.json';
export const DEFAULT_REPORT_FILE = 'probe-report.md';

/** `calibrate`: trains the routing probe for a model. */
export async function calibrateCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['model', 'out', 'report', 'target-precision', 'folds', 'cache-dir']);
  if (args.flags.get('help') === true || args.positional.length > 0) {
    process.stderr.write(`${CALIBRATE_USAGE}\n`);
    return args.flags.get('help') === true ? 0 : 2;
  }
  const out = stringFlag(args, 'out') ?? DEFAULT_PROBE_FILE;
  const reportFile = stringFlag(args, 'report') ?? DEFAULT_REPORT_FILE;
  const chartFile = reportFile.replace(/\.md$/i, '') + '.svg';
  const targetPrecision = Number(stringFlag(args, 'target-precision') ?? 0.9);
  if (!(targetPrecision > 0 && targetPrecision <= 1)) throw new Error('--target-precision must be in (0, 1]');
  const folds = intFlag(args, 'folds', 5);
  const useCache = args.flags.get('cache') !== false;
  const cache = new FeatureCache(stringFlag(args, 'cache-dir'));

  const model = await loadWithProgress(stringFlag(args, 'model'));
  try {
    const contexts = calibrationContexts();
    let features = useCache ? cache.read(model.info.id, contexts) : undefined;
    let collectSeconds = 0;
    if (features) process.stderr.write(`features: cached in ${cache.dir}\n`);
    else {
      const t0 = performance.now();
      const bar = progressBar(`hidden states (${contexts.length} contexts)`);
      features = await collectFeatures(model, contexts, { onProgress: (done, total) => bar(done / total, `${done}/${total}`) });
      collectSeconds = (performance.now() - t0) / 1000;
      if (useCache) cache.write(model.info.id, contexts, features);
    }
    const t1 = performance.now();
    const bar = progressBar(`training probes (${features.numLayers} layers)`);
    const result = calibrateProbe(features, contexts, model, { folds, targetPrecision, onLayer: (done, total) => bar(done / total, `layer ${done - 1}`) });
    const trainSeconds = (performance.now() - t1) / 1000;

    for (const f of [out, reportFile]) mkdirSync(path.dirname(path.resolve(f)), { recursive: true });
    writeFileSync(out, `${JSON.stringify(result.probe, null, 1)}\n`);
    writeFileSync(chartFile, renderAurocChart(result.layers, result.bestLayer, `Routing probe AUROC by layer — ${model.info.name}`));
    const chart = path.relative(path.dirname(path.resolve(reportFile)), path.resolve(chartFile));
    writeFileSync(reportFile, renderProbeReport(result, { modelName: model.info.name, modelId: model.info.id, collectSeconds, trainSeconds, chart }));

    const best = result.layers.find((l) => l.layer === result.bestLayer)!;
    const pr = (m: { precision: number; recall: number }) => `P ${m.precision.toFixed(2)} R ${m.recall.toFixed(2)}`;
    process.stdout.write(
      `best layer ${result.bestLayer}: CV AUROC ${best.cvAuroc.toFixed(3)}, held-out AUROC ${best.heldOutAuroc.toFixed(3)}, threshold ${result.threshold.toFixed(3)}\n` +
        `held-out: heuristic ${pr(result.heldOut.heuristic)} | probe ${pr(result.heldOut.probe)} | combined ${pr(result.heldOut.combined)}\n` +
        (result.frameTransfer.length ? `unseen framings (leave one frame out): AUROC ${result.frameTransferAuroc.toFixed(3)}\n` : '') +
        `wrote ${out}, ${reportFile}, ${chartFile}\n`,
    );
    return 0;
  } finally {
    model.dispose();
  }
}
