// y = x W^T for affine group-quantized W (MLX layout: `bits`-bit codes packed
// little-end-first into uint32, one scale and bias per `group` values).
//
// Stock MLX's CPU path for this is scalar and single-threaded. This op is an MLX
// custom primitive whose eval_cpu runs our multi-threaded kernels, picked at run
// time: AVX-512 VNNI, else AVX2 on x86-64, NEON dot products on arm64, else a
// portable integer loop. Activations are quantised to int8 per group of 32,
// as llama.cpp does, so the inner products run on integer SIMD; see
// quantized_linear.cc. On a GPU stream, or for shapes/dtypes the kernels do not
// cover, the op returns stock mx::quantized_matmul instead, decided while the graph
// is built.
#pragma once

#include "kernels/cpu_kernels.h"
#include "mlx/mlx.h"

namespace ce::kernels {

namespace mx = mlx::core;

// stock: always stock quantized_matmul (the GPU path, run on any device).
mx::array quantized_linear(const mx::array& x, const mx::array& w, const mx::array& scales,
                           const mx::array& biases, int group, int bits, bool stock = false, mx::StreamOrDevice s = {});

}  // namespace ce::kernels
