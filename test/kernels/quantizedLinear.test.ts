// Our quantized linear kernels (AVX-512 VNNI, AVX2 and portable, multi-threaded; each
// capped in turn where the CPU has more) across odd shapes,
// bit widths, group sizes (group 32 uses our kernel, others fall back to stock MLX),
// thread counts and scale dtypes, against two references:
//  - exact: a float64 TypeScript model of what the kernel computes: the
//    dequantized weights times the activations rounded to int8 per group of 32
//    (step max|x|/127, half to even). Must agree to float32 rounding.
//  - stock MLX dequantize-then-matmul on the unrounded activations. Must agree
//    within the provable bound of the activation rounding:
//    sum over groups of (step/2) * sum_j |scale * code_j + bias|.
import t from 'tap';
import { native } from '../../lib/runtime/native';
import { quantizeRun } from '../fixtures/int8Activations';
import { rng } from '../fixtures/random';

// Scales and biases are drawn on grids that float16 represents exactly, so the f16
// runs see the same values as this file.
function inputs(M: number, N: number, K: number, bits: number, group: number, seed: number) {
  const r = rng(seed);
  const x = Float32Array.from({ length: M * K }, () => r() * 2 - 1);
  const w = Uint32Array.from({ length: (N * K * bits) / 32 }, () => Math.floor(r() * 2 ** 32));
  const scales = Float32Array.from({ length: (N * K) / group }, () => (10 + Math.floor(r() * 52)) / 1024);
  const biases = Float32Array.from({ length: (N * K) / group }, () => (Math.floor(r() * 411) - 205) / 2048);
  return { x, w, scales, biases };
}

function code(w: Uint32Array, n: number, k: number, K: number, bits: number): number {
  const bit = (n * K + k) * bits;
  return (w[Math.floor(bit / 32)] >>> bit % 32) & ((1 << bits) - 1);
}

function references(M: number, N: number, K: number, bits: number, group: number, inp: ReturnType<typeof inputs>) {
  const { x, w, scales, biases } = inp;
  const exact = new Float64Array(M * N);
  const bound = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    const groups = Array.from({ length: K / 32 }, (_, g) => quantizeRun(x, m * K + g * 32, 32));
    for (let n = 0; n < N; n++) {
      let y = 0, b = 0;
      for (let k = 0; k < K; k++) {
        const s = scales[(n * K + k) / group | 0], bias = biases[(n * K + k) / group | 0];
        const c = code(w, n, k, K, bits);
        const { step, q } = groups[k >> 5];
        y += (s * c + bias) * step * q[k & 31];
        b += (step / 2) * Math.abs(s * c + bias);
      }
      exact[m * N + n] = y;
      bound[m * N + n] = b;
    }
  }
  return { exact, bound };
}

t.comment(`CPU kernel: ${native().cpuKernel}`);

const cases: [number, number, number, number, number][] = [
  // M, N, K, bits, group
  [1, 1, 32, 4, 32],
  [1, 7, 64, 4, 32],
  [1, 129, 576, 4, 32],
  [1, 65, 320, 8, 32],
  [3, 33, 96, 8, 32],
  [5, 250, 1536, 4, 32],
  [7, 64, 256, 8, 32],
  [17, 31, 160, 4, 32],
  [8, 12, 576, 4, 32], // one whole 8-row group (the VNNI tier's)
  [8, 11, 288, 8, 32],
  [16, 70, 576, 4, 32], // two 8-row groups over weight rows of two panels
  [6, 19, 288, 4, 32], // 9 groups: one 8-group block, an unpaired tail group
  [4, 9, 480, 8, 32], // 15 groups
  [1, 40, 128, 4, 64],
  [2, 24, 256, 8, 128],
];

type Run = [threads: number, half: boolean, kernel?: 'avx2' | 'portable'];
const runs: Run[] = [[1, false], [2, false], [3, false], [2, true], [2, false, 'avx2'], [1, true, 'avx2'], [2, false, 'portable'], [1, true, 'portable']];

for (const [M, N, K, bits, group] of cases) {
  const inp = inputs(M, N, K, bits, group, M * 1000 + N + K + bits);
  const ref = group === 32 ? references(M, N, K, bits, group, inp) : undefined;
  for (const [threads, half, kernel] of runs) {
    const name = `M=${M} N=${N} K=${K} ${bits}-bit group ${group}, ${threads} thread(s), ${half ? 'f16' : 'f32'} scales${kernel ? `, at most ${kernel}` : ''}`;
    t.test(name, async (t) => {
      const { x, w, scales, biases } = inp;
      const { ours, reference, kernel: used } = await native().kernelCheck(x, w, scales, biases, M, N, K, bits, group, threads, half, kernel);
      t.equal(ours.length, M * N);
      const best = native().cpuKernel;
      const order = ['portable', 'avx2', 'avx512-vnni'];
      t.equal(used, kernel && order.indexOf(kernel) < order.indexOf(best) ? kernel : best, 'the kernel asked for ran');
      let scale = 0;
      for (const v of reference) scale = Math.max(scale, Math.abs(v));
      const slack = 1e-4 * Math.max(1, scale);
      if (!ref) {
        // Stock MLX fallback: the same computation, so float rounding only.
        let worst = 0;
        for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
        t.ok(worst <= slack, `fallback max error ${worst.toExponential(2)} (scale ${scale.toFixed(2)})`);
        return;
      }
      let worstExact = 0, worstRatio = 0;
      for (let i = 0; i < ours.length; i++) {
        worstExact = Math.max(worstExact, Math.abs(ours[i] - ref.exact[i]));
        worstRatio = Math.max(worstRatio, Math.abs(ours[i] - reference[i]) / (ref.bound[i] + slack));
      }
      t.ok(worstExact <= slack, `vs exact int8 model: max error ${worstExact.toExponential(2)} (scale ${scale.toFixed(2)})`);
      t.ok(worstRatio <= 1, `vs stock MLX: worst error is ${(100 * worstRatio).toFixed(1)}% of the rounding bound`);
    });
  }
}
