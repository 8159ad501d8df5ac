#include "loader/ggml_quants.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace ce::quant {

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        exp--;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0));
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow → inf
  if (exp <= 0) {                                                 // subnormal or zero
    if (exp < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    const int shift = 14 - exp;
    uint32_t half = mant >> shift;
    const uint32_t rest = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rest > mid || (rest == mid && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  const uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // round to nearest even
  return static_cast<uint16_t>(sign | half);
}

float bf16_to_float(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {

uint16_t read_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
float read_half(const uint8_t* p) { return half_to_float(read_u16(p)); }

// The 6-bit scale and min of sub-block j (0..7) in a K-quant's 12 packed bytes.
void scale_min_k4(int j, const uint8_t* q, int& scale, int& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

constexpr int kGroup = 32;

// Decodes one block into integer codes plus one (scale, bias) per 32 values, so
// value[i] = scale[i / 32] * code[i] + bias[i / 32]. Returns false for Q6_K,
// which has no exact 32-wide affine form and is handled separately.
bool decode_block(int type, const uint8_t* b, uint8_t* code, float* scale, float* bias) {
  switch (type) {
    case Q4_0: {
      const float d = read_half(b);
      const uint8_t* qs = b + 2;
      for (int j = 0; j < 16; ++j) {
        code[j] = qs[j] & 0x0f;
        code[j + 16] = qs[j] >> 4;
      }
      scale[0] = d;
      bias[0] = -8.0f * d;
      return true;
    }
    case Q4_1: {
      const float d = read_half(b), m = read_half(b + 2);
      const uint8_t* qs = b + 4;
      for (int j = 0; j < 16; ++j) {
        code[j] = qs[j] & 0x0f;
        code[j + 16] = qs[j] >> 4;
      }
      scale[0] = d;
      bias[0] = m;
      return true;
    }
    case Q5_0:
    case Q5_1: {
      const bool has_min = type == Q5_1;
      const float d = read_half(b);
      const float m = has_min ? read_half(b + 2) : 0.0f;
      const uint8_t* p = b + (has_min ? 4 : 2);
      uint32_t qh;
      std::memcpy(&qh, p, 4);
      const uint8_t* qs = p + 4;
      for (int j = 0; j < 16; ++j) {
        code[j] = (qs[j] & 0x0f) | (((qh >> j) & 1u) << 4);
        code[j + 16] = (qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4);
      }
      scale[0] = d;
      bias[0] = has_min ? m : -16.0f * d;
      return true;
    }
    case Q8_0: {
      const float d = read_half(b);
      const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
      for (int j = 0; j < 32; ++j) code[j] = static_cast<uint8_t>(qs[j] + 128);
      scale[0] = d;
      bias[0] = -128.0f * d;
      return true;
    }
    case Q4_K:
    case Q5_K: {
      const bool five = type == Q5_K;
      const float d = read_half(b), dmin = read_half(b + 2);
      const uint8_t* sc = b + 4;
      const uint8_t* qh = b + 16;
      const uint8_t* ql = five ? b + 48 : b + 16;
      for (int chunk = 0; chunk < 4; ++chunk) {  // 64 values: two sub-blocks
        for (int half = 0; half < 2; ++half) {
          const int sub = chunk * 2 + half;
          int s, m;
          scale_min_k4(sub, sc, s, m);
          scale[sub] = d * s;
          bias[sub] = -dmin * m;
          for (int l = 0; l < 32; ++l) {
            const uint8_t byte = ql[chunk * 32 + l];
            uint8_t c = half ? byte >> 4 : byte & 0x0f;
            if (five && (qh[l] >> sub) & 1u) c |= 16;
            code[sub * 32 + l] = c;
          }
        }
      }
      return true;
    }
    default:
      return false;
  }
}

// Q6_K: 256 values in 16 sub-blocks of 16, each with its own int8 scale.
void decode_q6k_float(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  const float d = read_half(b + 208);
  for (int n = 0; n < 2; ++n) {  // two halves of 128
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

// Min/max affine 8-bit quantization of 32 floats.
void requantize8(const float* v, uint8_t* code, float& scale, float& bias) {
  const auto [lo, hi] = std::minmax_element(v, v + kGroup);
  const float range = *hi - *lo;
  scale = range > 0 ? range / 255.0f : 1.0f;
  bias = *lo;
  for (int i = 0; i < kGroup; ++i) {
    const float q = std::nearbyint((v[i] - bias) / scale);
    code[i] = static_cast<uint8_t>(std::clamp(q, 0.0f, 255.0f));
  }
}

}  // namespace

std::optional<BlockLayout> block_layout(int type) {
  switch (type) {
    case F32: return BlockLayout{1, 4};
    case F16: return BlockLayout{1, 2};
    case BF16: return BlockLayout{1, 2};
    case Q4_0: return BlockLayout{32, 18};
    case Q4_1: return BlockLayout{32, 20};
    case Q5_0: return BlockLayout{32, 22};
    case Q5_1: return BlockLayout{32, 24};
    case Q8_0: return BlockLayout{32, 34};
    case Q4_K: return BlockLayout{256, 144};
    case Q5_K: return BlockLayout{256, 176};
    case Q6_K: return BlockLayout{256, 210};
    default: return std::nullopt;
  }
}

std::string type_name(int type) {
  switch (type) {
    case F32: return "F32";
    case F16: return "F16";
    case BF16: return "BF16";
    case Q4_0: return "Q4_0";
    case Q4_1: return "Q4_1";
    case Q5_0: return "Q5_0";
    case Q5_1: return "Q5_1";
    case Q8_0: return "Q8_0";
    case Q4_K: return "Q4_K";
    case Q5_K: return "Q5_K";
    case Q6_K: return "Q6_K";
    default: return "ggml type " + std::to_string(type);
  }
}

std::optional<AffineShape> affine_shape(int type) {
  switch (type) {
    case Q4_0:
    case Q4_1:
    case Q4_K:
      return AffineShape{4, kGroup};
    case Q5_0:
    case Q5_1:
    case Q5_K:
    case Q6_K:
    case Q8_0:
      return AffineShape{8, kGroup};
    default:
      return std::nullopt;
  }
}

void to_affine(int type, const uint8_t* src, int64_t rows, int64_t cols,
               uint32_t* packed, uint16_t* scales, uint16_t* biases) {
  const BlockLayout layout = *block_layout(type);
  const AffineShape shape = *affine_shape(type);
  const int per_word = 32 / shape.bits;
  const int64_t blocks_per_row = cols / layout.elements;
  const int groups_per_block = layout.elements / kGroup;
  uint8_t code[256];
  float bscale[8], bbias[8], values[256];
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = src + r * blocks_per_row * layout.bytes;
    uint32_t* out = packed + r * (cols / per_word);
    uint16_t* s = scales + r * (cols / kGroup);
    uint16_t* bi = biases + r * (cols / kGroup);
    for (int64_t blk = 0; blk < blocks_per_row; ++blk) {
      const uint8_t* b = row + blk * layout.bytes;
      if (!decode_block(type, b, code, bscale, bbias)) {  // Q6_K
        decode_q6k_float(b, values);
        for (int g = 0; g < groups_per_block; ++g)
          requantize8(values + g * kGroup, code + g * kGroup, bscale[g], bbias[g]);
      }
      for (int g = 0; g < groups_per_block; ++g) {
        s[blk * groups_per_block + g] = float_to_half(bscale[g]);
        bi[blk * groups_per_block + g] = float_to_half(bbias[g]);
      }
      uint32_t* words = out + blk * (layout.elements / per_word);
      for (int w = 0; w < layout.elements / per_word; ++w) {
        uint32_t word = 0;
        for (int k = 0; k < per_word; ++k)
          word |= static_cast<uint32_t>(code[w * per_word + k]) << (k * shape.bits);
        words[w] = word;
      }
    }
  }
}

void dense_to_f32(int type, const uint8_t* src, int64_t n, float* out) {
  switch (type) {
    case F32:
      std::memcpy(out, src, n * 4);
      return;
    case F16:
      for (int64_t i = 0; i < n; ++i) out[i] = half_to_float(read_u16(src + 2 * i));
      return;
    case BF16:
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_float(read_u16(src + 2 * i));
      return;
    default:
      throw std::invalid_argument("dense_to_f32: not a dense type: " + type_name(type));
  }
}

}  // namespace ce::quant
