// The reference tests of tinyModel.test.ts on the stock MLX path (what a GPU stream runs:
// stock MLX ops for every layer, stock quantized_matmul and attention, K-quants converted),
// on the CPU. The variable makes loadModel default to `kernels: 'mlx'`.
process.env.COMPILER_EXPERT_STOCK_MLX = '1';
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./tinyModel.test');

// Nothing of ours ran: every model above took stock MLX ops only.
import t from 'tap';
import { native } from '../../lib/runtime/native';
t.test('none of our primitives ran on the stock path', async (t) => {
  t.same(native().opCounts(), { cpuLayer: 0, quantizedLinear: 0, kquantLinear: 0, attention: 0 });
});
