// Causal grouped-query attention over a KV cache, as an MLX custom primitive.
//
// MLX's CPU attention is built from stock ops: it copies the valid part of the
// cache, repeats K/V heads, and multiplies with the BLAS the wheel bundles (the
// reference netlib BLAS on Linux, a few GFLOP/s). This reads the cache in place,
// shares each K/V head between its query heads, and runs (head, query) pairs on
// the kernels' threads. GPU streams keep MLX's fused attention.
#pragma once

#include "mlx/mlx.h"

namespace ce::kernels {

namespace mx = mlx::core;

// q: [1, H, L, D] (RoPE applied), keys/values: the cache buffers [1, KV, capacity, D]
// already holding this chunk at positions start..start+L-1. Query i attends to keys
// 0..start+i. Returns [1, H, L, D]. (attend_cpu in cpu_kernels.h does the work.) On a GPU
// stream, for other dtypes, or with `stock`, stock MLX scaled_dot_product_attention instead.
mx::array cached_attention(const mx::array& q, const mx::array& keys, const mx::array& values, int start,
                           float scale, bool stock = false, mx::StreamOrDevice s = {});

}  // namespace ce::kernels
