// GGML block formats (as stored in GGUF files) converted into MLX's affine
// group-quantized layout: value = scale * q + bias, `group` values per scale,
// `bits`-bit codes packed little-end-first into uint32 words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ce::quant {

// GGML type ids as written in GGUF tensor infos.
enum GgmlType : int {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8,
  Q4_K = 12, Q5_K = 13, Q6_K = 14, BF16 = 30,
};

struct BlockLayout {
  int elements;  // values per block
  int bytes;     // bytes per block
};

// Block layout of a type we can read, or nothing for types we cannot.
std::optional<BlockLayout> block_layout(int type);
std::string type_name(int type);

// The MLX form a quantized GGML type converts to (bits 4 or 8, group 32).
struct AffineShape {
  int bits;
  int group;
};
std::optional<AffineShape> affine_shape(int type);

// Converts `rows` rows of `cols` values. Output buffers are caller-allocated:
// packed: rows * cols * bits / 32 words; scales, biases: rows * cols / group, as
// float16 (exact for Q4_0/Q4_1/Q5_x/Q8_0, whose scales are f16 already; K-quant
// products sub-scale * super-scale round to f16, a relative error below 2^-11).
// Exact for every type except Q6_K, whose 16-value sub-blocks are re-quantized to
// 8 bits per 32 values (error below 1/8 of the original 6-bit step).
void to_affine(int type, const uint8_t* src, int64_t rows, int64_t cols,
               uint32_t* packed, uint16_t* scales, uint16_t* biases);

// Dense types (F32, F16, BF16) to float32.
void dense_to_f32(int type, const uint8_t* src, int64_t n, float* out);

float half_to_float(uint16_t h);
float bf16_to_float(uint16_t h);
uint16_t float_to_half(float f);

}  // namespace ce::quant
