import t from 'tap';
import { auroc, decisionMetrics, thresholdForPrecision, thresholdMetrics } from '../../lib/probe';

t.test('AUROC', async (t) => {
  t.equal(auroc([0.1, 0.2, 0.8, 0.9], [false, false, true, true]), 1);
  t.equal(auroc([0.9, 0.8, 0.2, 0.1], [false, false, true, true]), 0);
  t.equal(auroc([0.5, 0.5, 0.5, 0.5], [false, true, false, true]), 0.5, 'ties count half');
  t.equal(auroc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
  t.ok(Number.isNaN(auroc([0.1, 0.2], [true, true])), 'undefined with one class');
});

t.test('precision, recall, F1', async (t) => {
  const m = thresholdMetrics([0.9, 0.8, 0.7, 0.2, 0.1], [true, false, true, true, false], 0.5);
  t.match(m, { truePositives: 2, falsePositives: 1, falseNegatives: 1, trueNegatives: 1 });
  t.equal(m.precision, 2 / 3);
  t.equal(m.recall, 2 / 3);
  t.equal(decisionMetrics([false, false], [true, false]).precision, 1, 'no positive predictions: no false alarms');
});

t.test('threshold for a target precision keeps recall as high as it allows', async (t) => {
  const scores = [0.95, 0.9, 0.85, 0.6, 0.55, 0.3, 0.2];
  const labels = [true, true, true, false, true, false, false];
  const { threshold, reached } = thresholdForPrecision(scores, labels, 0.8);
  t.ok(reached);
  const m = thresholdMetrics(scores, labels, threshold);
  t.ok(m.precision >= 0.8);
  t.equal(m.recall, 1, 'all four positives at precision 0.8');
  t.ok(threshold > 0.3 && threshold < 0.55, `threshold ${threshold} sits between observed scores`);
  const strict = thresholdForPrecision(scores, labels, 1);
  t.equal(thresholdMetrics(scores, labels, strict.threshold).falsePositives, 0);
});
