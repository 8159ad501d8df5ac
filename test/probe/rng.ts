/** Seeded random numbers for the probe tests (mulberry32 + Box-Muller): reproducible data. */
export function rng(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** Rows with features on very different scales, labelled by the sign of `direction · (x / scale)` with a margin. */
export function separable(seed: number, n: number, direction: number[], scale: number[]): { x: Float32Array[]; y: boolean[] } {
  const r = rng(seed);
  const x: Float32Array[] = [];
  const y: boolean[] = [];
  while (x.length < n) {
    const z = direction.map(() => r.normal());
    const margin = z.reduce((s, v, j) => s + v * direction[j], 0);
    if (Math.abs(margin) < 0.3) continue; // a gap between the classes: separable
    x.push(Float32Array.from(z, (v, j) => v * scale[j] + 5 * j));
    y.push(margin > 0);
  }
  return { x, y };
}
