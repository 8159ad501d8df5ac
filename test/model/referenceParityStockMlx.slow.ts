// The default model's parity with llama.cpp (referenceParity.test.ts) on the stock MLX path:
// what a GPU stream runs, here on the CPU (loadModel defaults to `kernels: 'mlx'` under the
// variable). The same bounds hold: stock quantized_matmul keeps float activations where our
// kernels and llama.cpp round them to int8, which moves near-ties, not the agreement rate.
process.env.COMPILER_EXPERT_STOCK_MLX = '1';
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./referenceParity.test');
// Slow (stock MLX's CPU quantized path is scalar: minutes for this file), so not in `npm test`:
// `npm run parity:stock`, which .ci/run runs after the tests.
