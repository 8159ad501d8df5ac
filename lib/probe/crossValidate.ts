/** Stratified k-fold cross-validation of the logistic probe: out-of-fold scores for every row. */
import { predictLogistic, trainLogisticRegression, type LogisticRegressionOptions } from './trainLogisticRegression';

/** Folds of {@link crossValidate} when not given: five keeps ~50 rows per fold on a 250-row training split. */
export const DEFAULT_FOLDS = 5;

/**
 * Fold of each row: positives and negatives are dealt round-robin separately, so every
 * fold has both classes in the same proportion. Deterministic (no shuffling): the rows'
 * order already interleaves snippets and framings.
 */
export function stratifiedFolds(labels: readonly boolean[], folds: number): number[] {
  let pos = 0;
  let neg = 0;
  return labels.map((l) => (l ? pos++ : neg++) % folds);
}

/** Out-of-fold probability of each row, from a model trained on the other folds. `folds` defaults to {@link DEFAULT_FOLDS}. */
export function crossValidate(x: readonly ArrayLike<number>[], y: readonly boolean[], folds = DEFAULT_FOLDS, options: LogisticRegressionOptions = {}): Float64Array {
  const fold = stratifiedFolds(y, folds);
  const scores = new Float64Array(x.length);
  for (let f = 0; f < folds; f++) {
    const train = x.flatMap((_, i) => (fold[i] === f ? [] : [i]));
    const model = trainLogisticRegression(train.map((i) => x[i]), train.map((i) => y[i]), options);
    x.forEach((row, i) => {
      if (fold[i] === f) scores[i] = predictLogistic(model, row);
    });
  }
  return scores;
}
