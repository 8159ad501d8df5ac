// y = x W^T for W kept as GGUF K-quant super-blocks (Q4_K, Q6_K): the file's own
// bytes, 256 weights per block with integer sub-scales, so loading copies them and
// nothing is re-quantized (Q6_K in our affine 8-bit form read 9 bits per weight and
// rounded its 16-value sub-scales; here it reads 6.56 and is exact).
//
// Activations are rounded to int8 with one step per 256 values (what llama.cpp's
// Q8_K does for these formats), so a whole super-block's dot product runs on integer
// SIMD, sub-scales applied by integer multiply-adds, and only one float multiply-add
// per block remains. CPU only: on a GPU stream the loader keeps its affine conversion
// so MLX's own kernels run (see TensorStore::linear).
#pragma once

#include <cstdint>

#include "kernels/cpu_kernels.h"
#include "mlx/mlx.h"

namespace ce::kernels {

namespace mx = mlx::core;

// x [..., K] float32, w [N, kquant_row_bytes(type, K)] uint8 → [..., N] float32.
mx::array kquant_linear(const mx::array& x, const mx::array& w, int ggml_type, mx::StreamOrDevice s = {});

}  // namespace ce::kernels
