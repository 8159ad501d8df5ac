// y = x W^T for affine group-quantized W (MLX layout: `bits`-bit codes packed
// little-end-first into uint32, one float32 scale and bias per `group` values).
//
// Stock MLX's CPU path for this is scalar and single-threaded. This op is an MLX
// custom primitive whose eval_cpu runs our multi-threaded kernels (AVX2+FMA chosen
// at run time on x86-64, a portable loop elsewhere, which compilers vectorise for
// NEON). On a GPU stream, or for shapes/dtypes the kernel does not cover, the op
// returns stock mx::quantized_matmul instead, decided while the graph is built.
#pragma once

#include "mlx/mlx.h"

namespace ce::kernels {

namespace mx = mlx::core;

mx::array quantized_linear(const mx::array& x, const mx::array& w, const mx::array& scales,
                           const mx::array& biases, int group, int bits, mx::StreamOrDevice s = {});

// Whether the running CPU has the SIMD path (for benchmarks' reports).
const char* cpu_kernel_name();

// Direct entry: out[M, N] = x[M, K] W^T. Scales and biases are float32, or float16
// when `half_scales` (what GGUF conversions store: 1 bit per weight less to read).
void quantized_linear_cpu(const float* x, const uint32_t* w, const void* scales, const void* biases,
                          bool half_scales, float* out, int M, int N, int K, int group, int bits);

}  // namespace ce::kernels
