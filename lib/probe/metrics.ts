/** Binary classification metrics over scores in 0..1 and boolean labels. */

/** Counts and rates at one threshold. */
export interface BinaryMetrics {
  threshold: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  /** TP / (TP + FP); 1 when nothing was predicted positive (no false alarm was raised). */
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
}

/** Metrics of hard decisions (`predicted[i]` vs `labels[i]`). */
export function decisionMetrics(predicted: readonly boolean[], labels: readonly boolean[], threshold = Number.NaN): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  predicted.forEach((p, i) => {
    if (p && labels[i]) tp++;
    else if (p) fp++;
    else if (labels[i]) fn++;
    else tn++;
  });
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn, precision, recall, f1, accuracy: (tp + tn) / Math.max(1, labels.length) };
}

/** Metrics of `score >= threshold`. */
export function thresholdMetrics(scores: ArrayLike<number>, labels: readonly boolean[], threshold: number): BinaryMetrics {
  return decisionMetrics(Array.from(scores, (s) => s >= threshold), labels, threshold);
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a
 * random negative (ties count half). Computed from ranks, O(n log n).
 */
export function auroc(scores: ArrayLike<number>, labels: readonly boolean[]): number {
  const order = Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j][0] === order[i][0]) j++;
    const midRank = (i + j + 1) / 2; // ranks are 1-based; tied scores share the mean rank
    for (let k = i; k < j; k++) if (labels[order[k][1]]) {
      positives++;
      rankSum += midRank;
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * The lowest threshold (halfway between two observed scores) whose precision reaches `targetPrecision` (so recall is as high
 * as that precision allows). When no threshold reaches it, the one with the best F1.
 */
export function thresholdForPrecision(scores: ArrayLike<number>, labels: readonly boolean[], targetPrecision: number): { threshold: number; reached: boolean } {
  const candidates = [...new Set(Array.from(scores))].sort((a, b) => a - b);
  let bestF1 = { threshold: 0.5, f1: -1 };
  for (let i = 0; i < candidates.length; i++) {
    // Halfway to the next lower score: same decisions on these scores, more margin on new ones.
    const t = i === 0 ? candidates[0] : (candidates[i] + candidates[i - 1]) / 2;
    const m = thresholdMetrics(scores, labels, t);
    if (m.truePositives > 0 && m.precision >= targetPrecision) return { threshold: t, reached: true };
    if (m.f1 > bestF1.f1) bestF1 = { threshold: t, f1: m.f1 };
  }
  return { threshold: bestF1.threshold, reached: false };
}
