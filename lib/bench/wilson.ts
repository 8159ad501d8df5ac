/** A proportion with its 95% Wilson score interval. */
export interface Proportion {
  k: number;
  n: number;
  /** k / n; NaN when n is 0. */
  rate: number;
  low: number;
  high: number;
}

/** z for a two-sided 95% interval. */
export const Z_95 = 1.959964;

/**
 * k successes out of n with the Wilson score interval, which stays inside [0, 1] and
 * is sensible at k = 0, k = n and small n, where the normal approximation is not.
 * For n = 0 the rate is NaN and the interval is [0, 1].
 */
export function wilson(k: number, n: number, z = Z_95): Proportion {
  if (n === 0) return { k, n, rate: NaN, low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At k = 0 and k = n the bound is exactly 0 or 1; rounding would leave 1e-16 off.
  return { k, n, rate: p, low: k === 0 ? 0 : Math.max(0, centre - half), high: k === n ? 1 : Math.min(1, centre + half) };
}
