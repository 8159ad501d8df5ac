import t from 'tap';
import { auroc, crossValidate, predictLogistic, stratifiedFolds, trainLogisticRegression } from '../../lib/probe';
import { rng, separable } from './fixtures/rng';

const D = 32;
const r = rng(7);
const direction = Array.from({ length: D }, () => r.normal());
const norm = Math.hypot(...direction);
direction.forEach((_, j) => (direction[j] /= norm));
// Raw features span four orders of magnitude: standardisation must make that irrelevant.
const scale = Array.from({ length: D }, (_, j) => 10 ** ((j % 5) - 2));

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < a.length; j++) {
    ab += a[j] * b[j];
    aa += a[j] * a[j];
    bb += b[j] * b[j];
  }
  return ab / Math.sqrt(aa * bb);
};

t.test('recovers the separating direction of a separable dataset', async (t) => {
  const train = separable(1, 400, direction, scale);
  const test = separable(2, 400, direction, scale);
  const m = trainLogisticRegression(train.x, train.y);
  // Standardising x = z·scale + shift gives back ≈ z, so the learned weights (which live in
  // standardised space) should point along the true direction.
  t.ok(cosine(m.weights, direction) > 0.95, `cosine ${cosine(m.weights, direction).toFixed(3)}`);
  const scores = test.x.map((x) => predictLogistic(m, x));
  t.ok(auroc(scores, test.y) > 0.995, `held-out AUROC ${auroc(scores, test.y)}`);
  const accuracy = scores.filter((s, i) => s >= 0.5 === test.y[i]).length / scores.length;
  t.ok(accuracy > 0.95, `accuracy ${accuracy}`);
});

t.test('cross-validation gives out-of-fold scores that rank well', async (t) => {
  const data = separable(3, 200, direction, scale);
  const scores = crossValidate(data.x, data.y, 4, { iterations: 150 });
  t.equal(scores.length, 200);
  t.ok(auroc(scores, data.y) > 0.98, `CV AUROC ${auroc(scores, data.y)}`);
});

t.test('folds are stratified', async (t) => {
  const labels = [true, false, false, true, false, true, false, false];
  const folds = stratifiedFolds(labels, 2);
  t.same(folds, [0, 0, 1, 1, 0, 0, 1, 0]);
});

t.test('refuses mismatched rows and labels', async (t) => {
  t.throws(() => trainLogisticRegression([new Float32Array(2)], [true, false]), { code: 'INVALID_ARGUMENT' });
});
