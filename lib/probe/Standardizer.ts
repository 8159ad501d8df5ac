/** Per-feature standardisation: (x - mean) / std, fitted on training rows only. */
export interface Standardizer {
  mean: Float64Array;
  std: Float64Array;
}

// Features with (almost) no spread would divide by ~0; their std is floored instead.
const MIN_STD = 1e-6;

/** Mean and standard deviation of each feature over `rows`. */
export function fitStandardizer(rows: readonly ArrayLike<number>[]): Standardizer {
  const d = rows[0]?.length ?? 0;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j];
  for (let j = 0; j < d; j++) mean[j] /= Math.max(1, rows.length);
  for (const r of rows) for (let j = 0; j < d; j++) std[j] += (r[j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) std[j] = Math.max(MIN_STD, Math.sqrt(std[j] / Math.max(1, rows.length)));
  return { mean, std };
}

/** Standardised copies of `rows`. */
export function standardize(rows: readonly ArrayLike<number>[], s: Standardizer): Float64Array[] {
  return rows.map((r) => {
    const out = new Float64Array(s.mean.length);
    for (let j = 0; j < out.length; j++) out[j] = (r[j] - s.mean[j]) / s.std[j];
    return out;
  });
}
