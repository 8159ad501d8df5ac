/**
 * Calibration: per-layer logistic probes with k-fold cross-validation on the training
 * split, the best layer by CV AUROC, a threshold for a target precision from the
 * out-of-fold scores, then one evaluation on the held-out split — of the probe alone,
 * of the heuristic router, and of the two combined (heuristics gate, probe decides).
 */
import { InvalidArgumentError } from '../errors';
import { HeuristicRouter } from '../routing/HeuristicRouter';
import type { ModelInfo } from '../runtime/Model';
import { contextBlock } from './contextBlock';
import { crossValidate, DEFAULT_FOLDS } from './crossValidate';
import type { CalibrationContext } from './data/calibrationContexts';
import type { FeatureSet } from './FeatureSet';
import { auroc, decisionMetrics, thresholdForPrecision, thresholdMetrics, type BinaryMetrics } from './metrics';
import { PROBE_FORMAT, PROBE_FORMAT_VERSION, type ProbeFile } from './ProbeFile';
import { RoutingProbe } from './RoutingProbe';
import { predictLogistic, trainLogisticRegression, type LogisticRegressionOptions } from './trainLogisticRegression';

/** Options of {@link calibrateProbe}. */
export interface CalibrateOptions extends LogisticRegressionOptions {
  /** Cross-validation folds. Defaults to {@link DEFAULT_FOLDS}. */
  folds?: number;
  /** Precision the threshold is chosen for. Defaults to {@link DEFAULT_TARGET_PRECISION}. */
  targetPrecision?: number;
  /** Layers to try. Defaults to all (0..numLayers). */
  layers?: readonly number[];
  /** Called after each layer. */
  onLayer?: (done: number, total: number) => void;
  /** Also run the leave-one-frame-out check at the chosen layer (one fit per frame). Defaults to true. */
  frameTransfer?: boolean;
}

/** Running code that was only being explained costs more than missing a run: favour precision. */
export const DEFAULT_TARGET_PRECISION = 0.9;

/** Metrics of one layer's probe. */
export interface LayerResult {
  layer: number;
  /** Out-of-fold metrics on the training split (threshold 0.5 for accuracy and F1). */
  cvAuroc: number;
  cvAccuracy: number;
  cvF1: number;
  /** Mean out-of-fold log-loss: breaks AUROC ties (several layers separate the training split perfectly). */
  cvLogLoss: number;
  /** The probe trained on the whole training split, on the held-out split. */
  heldOutAuroc: number;
  heldOutAccuracy: number;
  heldOutF1: number;
}

/** One held-out context and what each router decided. */
export interface HeldOutDecision {
  id: string;
  frame: string;
  label: boolean;
  score: number;
  heuristic: boolean;
  combined: boolean;
}

/**
 * How a probe trained without one framing (template) does on that framing: the
 * calibration set is templated, so a random split shares templates between train and
 * held-out; this is the harder question of generalising to an unseen way of writing.
 */
export interface FrameTransfer {
  frame: string;
  /** Contexts of this frame (both splits) and how many should run. */
  count: number;
  positives: number;
  /** Share decided right at the chosen threshold. */
  accuracy: number;
  meanScore: number;
  /** Every context's score from the probe trained without this frame. */
  scores: number[];
  labels: boolean[];
}

/** Everything calibration found. */
export interface CalibrationResult {
  layers: LayerResult[];
  bestLayer: number;
  threshold: number;
  /** False when no threshold reached the target precision on the training split (the best-F1 one is used). */
  thresholdReached: boolean;
  probe: ProbeFile;
  /** Held-out precision/recall of each router. */
  heldOut: { heuristic: BinaryMetrics; probe: BinaryMetrics; combined: BinaryMetrics };
  decisions: HeldOutDecision[];
  /** Leave-one-frame-out at the chosen layer; empty when disabled. */
  frameTransfer: FrameTransfer[];
  /** AUROC of all leave-one-frame-out scores pooled (each context scored by a probe that never saw its frame); NaN when disabled. */
  frameTransferAuroc: number;
  counts: { train: number; heldOut: number; trainPositive: number; heldOutPositive: number };
}

const logLoss = (scores: ArrayLike<number>, labels: readonly boolean[]) =>
  -Array.from(scores).reduce((s, p, i) => s + Math.log(Math.max(1e-12, labels[i] ? p : 1 - p)), 0) / Math.max(1, scores.length);

/** Trains and evaluates probes for every layer of `features` (rows in `contexts` order). */
export function calibrateProbe(
  features: FeatureSet,
  contexts: readonly CalibrationContext[],
  model: { info: Pick<ModelInfo, 'id' | 'name' | 'numLayers' | 'hiddenSize'> },
  options: CalibrateOptions = {},
): CalibrationResult {
  if (features.count !== contexts.length) throw new InvalidArgumentError(`${features.count} feature rows for ${contexts.length} contexts`);
  const folds = options.folds ?? DEFAULT_FOLDS;
  const targetPrecision = options.targetPrecision ?? DEFAULT_TARGET_PRECISION;
  const layers = options.layers ?? Array.from({ length: features.numLayers }, (_, l) => l);
  const train = contexts.flatMap((c, i) => (c.heldOut ? [] : [i]));
  const test = contexts.flatMap((c, i) => (c.heldOut ? [i] : []));
  const yTrain = train.map((i) => contexts[i].label);
  const yTest = test.map((i) => contexts[i].label);
  if (!yTrain.some(Boolean) || yTrain.every(Boolean)) throw new InvalidArgumentError('the training split needs both positive and negative contexts');

  const results: LayerResult[] = [];
  const oof = new Map<number, Float64Array>();
  const fitted = new Map<number, ReturnType<typeof trainLogisticRegression>>();
  layers.forEach((layer, n) => {
    const xTrain = features.layer(layer, train);
    const cv = crossValidate(xTrain, yTrain, folds, options);
    const m = trainLogisticRegression(xTrain, yTrain, options);
    const testScores = features.layer(layer, test).map((x) => predictLogistic(m, x));
    const cvAt = thresholdMetrics(cv, yTrain, 0.5);
    const testAt = thresholdMetrics(testScores, yTest, 0.5);
    results.push({
      layer,
      cvAuroc: auroc(cv, yTrain),
      cvAccuracy: cvAt.accuracy,
      cvF1: cvAt.f1,
      cvLogLoss: logLoss(cv, yTrain),
      heldOutAuroc: auroc(testScores, yTest),
      heldOutAccuracy: testAt.accuracy,
      heldOutF1: testAt.f1,
    });
    oof.set(layer, cv);
    fitted.set(layer, m);
    options.onLayer?.(n + 1, layers.length);
  });

  // Chosen on the training split only; held-out numbers are reported, never used to choose.
  const best = [...results].sort((a, b) => b.cvAuroc - a.cvAuroc || a.cvLogLoss - b.cvLogLoss)[0];
  const { threshold, reached } = thresholdForPrecision(oof.get(best.layer)!, yTrain, targetPrecision);
  const m = fitted.get(best.layer)!;
  const testRows = features.layer(best.layer, test);
  const testScores = testRows.map((x) => predictLogistic(m, x));
  const probeMetrics = thresholdMetrics(testScores, yTest, threshold);
  const probe: ProbeFile = {
    format: PROBE_FORMAT,
    version: PROBE_FORMAT_VERSION,
    model: { id: model.info.id, name: model.info.name, numLayers: model.info.numLayers, hiddenSize: model.info.hiddenSize },
    layer: best.layer,
    weights: Array.from(m.weights),
    bias: m.bias,
    scaler: { mean: Array.from(m.mean), std: Array.from(m.std) },
    threshold,
    targetPrecision,
    metrics: {
      cvAuroc: best.cvAuroc,
      heldOutAuroc: best.heldOutAuroc,
      heldOutPrecision: probeMetrics.precision,
      heldOutRecall: probeMetrics.recall,
      trainCount: train.length,
      heldOutCount: test.length,
    },
    createdAt: new Date().toISOString(),
  };

  const heuristic = new HeuristicRouter();
  const combined = RoutingProbe.fromJSON(probe, model);
  const decisions: HeldOutDecision[] = test.map((row, j) => {
    const block = contextBlock(contexts[row]);
    return {
      id: contexts[row].id,
      frame: contexts[row].frame,
      label: contexts[row].label,
      score: testScores[j],
      heuristic: heuristic.route({ block }).run,
      combined: combined.route({ block, hidden: testRows[j] }).run,
    };
  });
  const frameTransfer = options.frameTransfer === false ? [] : leaveOneFrameOut(features, contexts, best.layer, threshold, options);
  return {
    layers: results,
    bestLayer: best.layer,
    threshold,
    thresholdReached: reached,
    probe,
    heldOut: {
      heuristic: decisionMetrics(decisions.map((d) => d.heuristic), yTest),
      probe: probeMetrics,
      combined: decisionMetrics(decisions.map((d) => d.combined), yTest, threshold),
    },
    decisions,
    frameTransfer,
    frameTransferAuroc: frameTransfer.length ? auroc(frameTransfer.flatMap((f) => f.scores), frameTransfer.flatMap((f) => f.labels)) : NaN,
    counts: { train: train.length, heldOut: test.length, trainPositive: yTrain.filter(Boolean).length, heldOutPositive: yTest.filter(Boolean).length },
  };
}

/** For each frame: train on the training split's other frames, score every context of that frame. */
function leaveOneFrameOut(features: FeatureSet, contexts: readonly CalibrationContext[], layer: number, threshold: number, options: LogisticRegressionOptions): FrameTransfer[] {
  const frames = [...new Set(contexts.map((c) => c.frame))];
  return frames.flatMap((frame) => {
    const train = contexts.flatMap((c, i) => (c.heldOut || c.frame === frame ? [] : [i]));
    const test = contexts.flatMap((c, i) => (c.frame === frame ? [i] : []));
    // Without this frame one class may be gone: nothing to learn, so no entry.
    const labels = new Set(train.map((i) => contexts[i].label));
    if (labels.size < 2) return [];
    const m = trainLogisticRegression(features.layer(layer, train), train.map((i) => contexts[i].label), options);
    const scores = features.layer(layer, test).map((x) => predictLogistic(m, x));
    const right = scores.filter((p, j) => p >= threshold === contexts[test[j]].label).length;
    return [{
      frame,
      count: test.length,
      positives: test.filter((i) => contexts[i].label).length,
      accuracy: right / test.length,
      meanScore: scores.reduce((a, b) => a + b, 0) / test.length,
      scores,
      labels: test.map((i) => contexts[i].label),
    }];
  });
}
