// The CPU kernels themselves, free of MLX: the MLX primitives (quantized_linear.h,
// kquant_linear.h) call these, and so does the standalone self-test that checks
// every SIMD tier against the portable one (test/native/kernel_selftest.cc, also
// run for arm64 under emulation). The tier is picked at run time (cpu_dispatch.h).
#pragma once

#include <cstdint>

#include "kernels/cpu_dispatch.h"

namespace ce::kernels {

constexpr int kAffineGroup = 32;  // the only affine group size the kernels take
constexpr int kSuperBlock = 256;  // values per K-quant block

// out[M, N] = x[M, K] W^T for affine group-quantized W (MLX layout: `bits`-bit codes,
// 4 or 8, packed little-end-first into uint32; one scale and bias per group of 32).
// Scales and biases are float32, or float16 when `half_scales` (what GGUF
// conversions store: 1 bit per weight less to read).
void quantized_linear_cpu(const float* x, const uint32_t* w, const void* scales, const void* biases,
                          bool half_scales, float* out, int M, int N, int K, int group, int bits);

// GGUF K-quant super-blocks (Q4_K, Q6_K: GGML type ids 12, 14; packed forms below), 256 weights each.
bool kquant_supported(int ggml_type);
// Bytes of one row of `K` weights (K a multiple of 256).
int64_t kquant_row_bytes(int ggml_type, int64_t K);
// out[M, N] = x[M, K] W^T, W given as N rows of blocks.
void kquant_linear_cpu(const float* x, const uint8_t* w, int ggml_type, float* out, int M, int N, int K);
// One row of blocks as float32 values (embedding lookups; exact).
void kquant_dequantize_row(int ggml_type, const uint8_t* row, int64_t cols, float* out);

// Q4_K and Q6_K rows repacked eight at a time (kquant_pack_rows), a layout of our own
// with the same bytes per row: one 32-byte load holds four codes of each of eight weight
// rows, so VNNI's dpbusd multiplies them with four activation bytes broadcast and yields
// the eight rows' partial sums in eight lanes, each sub-block scale applied once per
// sub-block for eight rows instead of once per 16 codes of one. Tensors of these types
// are [N, row bytes] as their base type's but row n lives in group n / 8; every kernel
// tier computes them (bit for bit alike).
constexpr int kQ4KPacked = 1012;
constexpr int kQ6KPacked = 1014;
bool kquant_is_packed(int ggml_type);
// Whether loading should repack a Q4_K or Q6_K tensor of `rows` rows: the active tier has
// a kernel for the packed form (AVX-512 VNNI), rows come in eights, and
// COMPILER_EXPERT_KQUANT_PACK is not 0.
bool kquant_packs(int ggml_type, int64_t rows);
// The packed type of a Q4_K or Q6_K tensor, and back.
int kquant_packed_type(int ggml_type);
int kquant_base_type(int packed_type);
// Repacks `rows` (a multiple of 8) rows of K weights of `ggml_type` (Q4_K or Q6_K) from
// `in` to `out`, which may be the same buffer.
void kquant_pack_rows(int ggml_type, const uint8_t* in, int64_t rows, int64_t K, uint8_t* out);
// Row `row` of a tensor of a packed type as float32 values (exact, as kquant_dequantize_row).
void kquant_dequantize_packed_row(int packed_type, const uint8_t* tensor, int64_t row, int64_t cols, float* out);

// Causal grouped-query attention over a KV cache (attention_cpu.cc): q and out
// [H, L, D] (RoPE applied), k and v [KV, capacity, D] already holding positions
// start..start+L-1; query i attends to keys 0..start+i with scores scaled by `scale`.
// The cache is float32, or float16 bits (the CPU layers' default).
void attend_cpu(const float* q, const float* k, const float* v, float* out, int H, int KV, int L, int D, int capacity,
                int start, float scale);
void attend_cpu(const float* q, const uint16_t* k, const uint16_t* v, float* out, int H, int KV, int L, int D,
                int capacity, int start, float scale);

// The feed-forward's gated activation: out[m, i] = silu(g) * u for each row m of
// gate_up laid out as [gate (I values) | up (I values)]; out is [rows, I].
void silu_mul_cpu(const float* gate_up, float* out, int rows, int I);

// int8 multiply-adds per second the active tier's inner step reaches on registers alone
// (no loads or unpacking) on `threads` threads: the ceiling any quantized kernel here
// stays under. Takes ~0.2 s.
double int8_mac_ceiling(int threads);

// float32 to float16 bits (round to nearest even): how rows enter a float16 cache.
void to_half(const float* x, uint16_t* out, int n);

// Whether this CPU converts float16 in hardware here (arm64; x86-64 with the AVX2 tier,
// which includes F16C): elsewhere a float16 cache would cost a software call per value.
bool half_cache_is_fast();

}  // namespace ce::kernels
