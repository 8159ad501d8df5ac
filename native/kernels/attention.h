// Causal grouped-query attention over a KV cache, as an MLX custom primitive.
//
// MLX's CPU attention is built from stock ops: it copies the valid part of the
// cache, repeats K/V heads, and multiplies with the BLAS the wheel bundles (the
// reference netlib BLAS on Linux, a few GFLOP/s). This reads the cache in place,
// shares each K/V head between its query heads, and runs (head, query) pairs on
// the kernels' threads. GPU streams keep MLX's fused attention.
#pragma once

#include <cstdint>

#include "mlx/mlx.h"

namespace ce::kernels {

namespace mx = mlx::core;

// q: [1, H, L, D] (RoPE applied), keys/values: the cache buffers [1, KV, capacity, D]
// already holding this chunk at positions start..start+L-1. Query i attends to keys
// 0..start+i. Returns [1, H, L, D].
mx::array cached_attention(const mx::array& q, const mx::array& keys, const mx::array& values, int start,
                           float scale, mx::StreamOrDevice s = {});

// The same on raw buffers: q and out [H, L, D], k and v [KV, capacity, D], as float32
// or as float16 bits (the cache of the one-op CPU layers, models/cpu_layer.h).
void attend_cpu(const float* q, const float* k, const float* v, float* out, int H, int KV, int L, int D, int capacity,
                int start, float scale);
void attend_cpu(const float* q, const uint16_t* k, const uint16_t* v, float* out, int H, int KV, int L, int D,
                int capacity, int start, float scale);

// float32 to float16 bits (round to nearest even): how rows enter a float16 cache.
void to_half(const float* x, uint16_t* out, int n);

}  // namespace ce::kernels
