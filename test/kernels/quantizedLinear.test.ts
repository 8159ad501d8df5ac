// Our quantized linear kernel (AVX2+FMA or portable, multi-threaded) against stock
// MLX's dequantize-then-matmul on the same packed weights, across odd shapes, bit
// widths, group sizes (group 32 uses our kernel, others fall back to stock) and
// thread counts.
import t from 'tap';
import { native } from '../../lib/runtime/native';
import { rng } from '../fixtures/random';

function inputs(M: number, N: number, K: number, bits: number, group: number, seed: number) {
  const r = rng(seed);
  const x = Float32Array.from({ length: M * K }, () => r() * 2 - 1);
  const w = Uint32Array.from({ length: (N * K * bits) / 32 }, () => Math.floor(r() * 2 ** 32));
  const scales = Float32Array.from({ length: (N * K) / group }, () => 0.01 + r() * 0.05);
  const biases = Float32Array.from({ length: (N * K) / group }, () => (r() - 0.5) * 0.2);
  return { x, w, scales, biases };
}

t.comment(`CPU kernel: ${native().cpuKernel}`);

const cases: [number, number, number, number, number][] = [
  // M, N, K, bits, group
  [1, 1, 32, 4, 32],
  [1, 7, 64, 4, 32],
  [1, 129, 576, 4, 32],
  [3, 33, 96, 8, 32],
  [5, 250, 1536, 4, 32],
  [7, 64, 256, 8, 32],
  [17, 31, 160, 4, 32],
  [1, 40, 128, 4, 64],
  [2, 24, 256, 8, 128],
];

for (const [M, N, K, bits, group] of cases) {
  for (const [threads, half] of [[1, false], [2, false], [3, false], [2, true]] as const) {
    t.test(`M=${M} N=${N} K=${K} ${bits}-bit group ${group}, ${threads} thread(s), ${half ? 'f16' : 'f32'} scales`, async (t) => {
      const { x, w, scales, biases } = inputs(M, N, K, bits, group, M * 1000 + N + K + bits);
      const { ours, reference } = await native().kernelCheck(x, w, scales, biases, M, N, K, bits, group, threads, half);
      t.equal(ours.length, M * N);
      let worst = 0, scale = 0;
      for (let i = 0; i < ours.length; i++) {
        worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
        scale = Math.max(scale, Math.abs(reference[i]));
      }
      t.ok(worst <= 1e-4 * Math.max(1, scale), `max error ${worst.toExponential(2)} (scale ${scale.toFixed(2)})`);
    });
  }
}
