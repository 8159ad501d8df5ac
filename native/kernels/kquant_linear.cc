#include "kernels/cpu_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/profile.h"
#include "kernels/cpu_dispatch.h"
#include "kernels/int8_activations.h"
#include "kernels/neon.h"
#include "kernels/row_tiles.h"
#include "loader/ggml_quants.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CE_X86 1
#endif

namespace ce::kernels {

namespace {

constexpr int kSuper = kSuperBlock;
constexpr int kQ4KBytes = 144;        // f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
constexpr int kQ6KBytes = 210;        // 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 int8 scales, f16 d
constexpr int kPrefetchBytes = 2048;  // how far ahead of the kernel weights are prefetched
constexpr int kParallelQuantizeBlocks = 256;  // activation blocks from which their rounding is split over threads

// ---- activations --------------------------------------------------------------
// int8 per super-block: step d = max|x| / 127, q = nearbyint(x / d) (half to even),
// plus the sum of q over every 16 values (Q6_K's sub-block; two make Q4_K's), which
// the kernels need for Q4_K's mins and Q6_K's offset of 32.
struct SuperActivations {
  std::vector<int8_t> q;       // [M, K]
  std::vector<float> step;     // [M, K / 256]
  std::vector<int16_t> sum16;  // [M, K / 16]
  // [M, K / 32]: step × the sum of q over each 32-value sub-block. Q4_K's min term of a
  // block is then one float product with dmin × its 8 mins, shared by every row (the
  // x86 kernels; the others take the integer sums).
  std::vector<float> min_terms;
  std::vector<int16_t> sum32;  // [M, K / 32]: the sum of q over each 32-value sub-block (the packed Q4_K kernels)
};

SuperActivations quantize_super(const float* x, int M, int K) {
  CE_PROFILE("kquant.quantize");
  const int blocks = K / kSuper;
  SuperActivations a;
  a.q.resize(static_cast<size_t>(M) * K);
  a.step.resize(static_cast<size_t>(M) * blocks);
  a.sum16.resize(static_cast<size_t>(M) * K / 16);
  a.min_terms.resize(static_cast<size_t>(M) * K / 32);
  a.sum32.resize(static_cast<size_t>(M) * K / 32);
  const auto quantize_blocks = [&](int b0, int b1) {
    for (int b = b0; b < b1; ++b) {
      int8_t* q = a.q.data() + static_cast<size_t>(b) * kSuper;
      a.step[b] = quantize_run(x + static_cast<size_t>(b) * kSuper, kSuper, q);
      int16_t* s16 = a.sum16.data() + static_cast<size_t>(b) * (kSuper / 16);
      for (int s = 0; s < kSuper / 16; ++s) {
        int sum = 0;
        for (int j = 0; j < 16; ++j) sum += q[16 * s + j];
        s16[s] = static_cast<int16_t>(sum);
      }
      for (int s = 0; s < kSuper / 32; ++s) {
        const size_t i = static_cast<size_t>(b) * (kSuper / 32) + s;
        a.sum32[i] = static_cast<int16_t>(s16[2 * s] + s16[2 * s + 1]);
        a.min_terms[i] = a.step[b] * static_cast<float>(a.sum32[i]);
      }
    }
  };
  // Prefill's inputs are split over the threads (one thread took ~4% of a 50-token inject);
  // a decode step's few blocks are not worth waking them for.
  const int total = static_cast<int>(a.step.size());
  if (total >= kParallelQuantizeBlocks) parallel_for(total, quantize_blocks);
  else quantize_blocks(0, total);
  return a;
}

// One row of activations, as the kernels see it.
struct SuperRow {
  const int8_t* q;
  const float* step;
  const int16_t* sum16;
  const float* min_terms;
  const int16_t* sum32;
};

SuperRow super_row(const SuperActivations& a, int m, int K) {
  const size_t i = static_cast<size_t>(m);
  return {a.q.data() + i * K, a.step.data() + i * (K / kSuper), a.sum16.data() + i * (K / 16),
          a.min_terms.data() + i * (K / 32), a.sum32.data() + i * (K / 32)};
}

float f16_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return quant::half_to_float(h);
}

// Q4_K's 12 bytes of 6-bit scales and mins, 8 of each, as bytes: for sub-blocks
// 0-3 the low 6 bits of bytes 0-3 (scales) and 4-7 (mins); for 4-7, a low nibble
// from bytes 8-11 (scales; the high nibble for mins) under the top 2 bits of bytes
// 0-3 (scales) or 4-7 (mins). Four bytes at a time with masks.
struct ScalesMins {
  uint8_t scale[8];
  uint8_t min[8];
};

ScalesMins unpack_q4k_scales(const uint8_t* p) {
  uint32_t u[3];
  std::memcpy(u, p, 12);
  const uint32_t words[4] = {
      u[0] & 0x3f3f3f3fu,
      (u[2] & 0x0f0f0f0fu) | ((u[0] >> 2) & 0x30303030u),
      u[1] & 0x3f3f3f3fu,
      ((u[2] >> 4) & 0x0f0f0f0fu) | ((u[1] >> 2) & 0x30303030u),
  };
  ScalesMins r;
  std::memcpy(&r, words, 16);
  return r;
}

// ---- portable kernels (plain integer loops that compilers vectorise) ----------
// Q4_K: value = d * scale[s] * code - dmin * min[s], s = 32-value sub-block; the
// nibbles of bytes 32c..32c+31 hold values 64c.. (low) and 64c+32.. (high).
float q4k_row_portable(const SuperRow& x, const uint8_t* w, int blocks) {
  float total = 0;
  for (int b = 0; b < blocks; ++b) {
    const uint8_t* blk = w + b * kQ4KBytes;
    const ScalesMins sm = unpack_q4k_scales(blk + 4);
    const uint8_t* qs = blk + 16;
    const int8_t* q = x.q + b * kSuper;
    const int16_t* s16 = x.sum16 + b * 16;
    int32_t sumi = 0, summ = 0;
    for (int c = 0; c < 4; ++c) {
      int32_t lo = 0, hi = 0;
      for (int l = 0; l < 32; ++l) {
        lo += (qs[32 * c + l] & 0x0f) * q[64 * c + l];
        hi += (qs[32 * c + l] >> 4) * q[64 * c + 32 + l];
      }
      sumi += sm.scale[2 * c] * lo + sm.scale[2 * c + 1] * hi;
    }
    for (int s = 0; s < 8; ++s) summ += sm.min[s] * (s16[2 * s] + s16[2 * s + 1]);
    total += x.step[b] * (f16_at(blk) * static_cast<float>(sumi) - f16_at(blk + 2) * static_cast<float>(summ));
  }
  return total;
}

// Q6_K: value = d * scale[s] * (code - 32), s = 16-value sub-block, code 6 bits: in
// each half of 128 values, a low nibble of ql (bytes 0-31 low, 32-63 low, 0-31 high,
// 32-63 high for values 0-31, 32-63, 64-95, 96-127) and 2 bits of qh[l] (bits 0-1,
// 2-3, 4-5, 6-7 for the same four runs).
float q6k_row_portable(const SuperRow& x, const uint8_t* w, int blocks) {
  float total = 0;
  for (int b = 0; b < blocks; ++b) {
    const uint8_t* blk = w + b * kQ6KBytes;
    const uint8_t* ql = blk;
    const uint8_t* qh = blk + 128;
    const int8_t* sc = reinterpret_cast<const int8_t*>(blk + 192);
    const int8_t* q = x.q + b * kSuper;
    const int16_t* s16 = x.sum16 + b * 16;
    int32_t sumi = 0;
    for (int s = 0; s < 16; ++s) {
      const int h = s >> 3, run = (s >> 1) & 3, part = s & 1;
      const uint8_t* lo = ql + 64 * h + (run & 1) * 32;
      const uint8_t* hi = qh + 32 * h;
      const int lo_shift = (run >> 1) * 4, hi_shift = 2 * run;
      int32_t dot = 0;
      for (int j = 0; j < 16; ++j) {
        const int l = 16 * part + j;
        const int code = ((lo[l] >> lo_shift) & 0x0f) | (((hi[l] >> hi_shift) & 3) << 4);
        dot += code * q[128 * h + 32 * run + l];
      }
      sumi += sc[s] * (dot - 32 * s16[s]);
    }
    total += x.step[b] * f16_at(blk + 208) * static_cast<float>(sumi);
  }
  return total;
}

#ifdef CE_ARM64
// ---- NEON kernels (arm64 with the dot-product instructions) ---------------------
// sdot gives each 16-value run's dot product in four int32 lanes; the sub-block
// scale multiplies those lanes (vmla by scalar) and a block is reduced once. Q6_K's
// codes are centred (c - 32, which fits int8), so no offset term. One row at a time.
CE_NEON_DOT float q4k_row_neon(const SuperRow& x, const uint8_t* w, int blocks) {
  const int32x4_t zero = vdupq_n_s32(0);
  const uint8x16_t nibble = vdupq_n_u8(0x0f);
  float total = 0;
  for (int b = 0; b < blocks; ++b) {
    const uint8_t* blk = w + b * kQ4KBytes;
    const ScalesMins sm = unpack_q4k_scales(blk + 4);
    const int8_t* q = x.q + b * kSuper;
    int32x4_t acc = zero;
    for (int c = 0; c < 4; ++c) {
      const uint8x16_t c0 = vld1q_u8(blk + 16 + 32 * c), c1 = vld1q_u8(blk + 32 + 32 * c);
      const int8_t* qc = q + 64 * c;
      const int32x4_t lo = dot16(dot16(zero, as_s8(vandq_u8(c0, nibble)), vld1q_s8(qc)), as_s8(vandq_u8(c1, nibble)), vld1q_s8(qc + 16));
      const int32x4_t hi = dot16(dot16(zero, as_s8(vshrq_n_u8(c0, 4)), vld1q_s8(qc + 32)), as_s8(vshrq_n_u8(c1, 4)), vld1q_s8(qc + 48));
      acc = vmlaq_n_s32(acc, lo, sm.scale[2 * c]);
      acc = vmlaq_n_s32(acc, hi, sm.scale[2 * c + 1]);
    }
    const int16_t* s16 = x.sum16 + b * 16;
    int32_t summ = 0;
    for (int s = 0; s < 8; ++s) summ += sm.min[s] * (s16[2 * s] + s16[2 * s + 1]);
    total += x.step[b] * (f16_at(blk) * static_cast<float>(vaddvq_s32(acc)) - f16_at(blk + 2) * static_cast<float>(summ));
  }
  return total;
}

CE_NEON_DOT float q6k_row_neon(const SuperRow& x, const uint8_t* w, int blocks) {
  const int32x4_t zero = vdupq_n_s32(0);
  const uint8x16_t nibble = vdupq_n_u8(0x0f), two = vdupq_n_u8(0x03);
  const int8x16_t offset = vdupq_n_s8(32);
  float total = 0;
  for (int b = 0; b < blocks; ++b) {
    const uint8_t* blk = w + b * kQ6KBytes;
    const int8_t* sc = reinterpret_cast<const int8_t*>(blk + 192);
    const int8_t* q = x.q + b * kSuper;
    int32x4_t acc = zero;
    for (int h = 0; h < 2; ++h) {
      for (int part = 0; part < 2; ++part) {  // the 16-value halves of each 32-value run
        const uint8x16_t l0 = vld1q_u8(blk + 64 * h + 16 * part), l1 = vld1q_u8(blk + 64 * h + 32 + 16 * part);
        const uint8x16_t hb = vld1q_u8(blk + 128 + 32 * h + 16 * part);
        const uint8x16_t runs[4] = {
            vorrq_u8(vandq_u8(l0, nibble), vshlq_n_u8(vandq_u8(hb, two), 4)),
            vorrq_u8(vandq_u8(l1, nibble), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), two), 4)),
            vorrq_u8(vshrq_n_u8(l0, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 4), two), 4)),
            vorrq_u8(vshrq_n_u8(l1, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4)),
        };
        for (int k = 0; k < 4; ++k) {
          const int8x16_t v = vsubq_s8(as_s8(runs[k]), offset);
          const int32x4_t d = dot16(zero, v, vld1q_s8(q + 128 * h + 32 * k + 16 * part));
          acc = vmlaq_n_s32(acc, d, sc[8 * h + 2 * k + part]);
        }
      }
    }
    total += x.step[b] * f16_at(blk + 208) * static_cast<float>(vaddvq_s32(acc));
  }
  return total;
}
#endif

#ifdef CE_X86
// ---- AVX2 and AVX-512 VNNI kernels ---------------------------------------------
// maddubs multiplies unsigned codes (Q4_K <= 15, Q6_K <= 63) by the signed int8
// activations into int16 pairs (<= 2 * 63 * 127, no saturation); a multiply-add with
// the sub-scales (madd, or VNNI's dpwssd which also accumulates) gives int32. A
// super-block's integer sum stays below 2^26, so one float multiply-add per block.
#define CE_AVX2 __attribute__((target("avx2,fma,f16c")))
#define CE_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))

CE_AVX2 inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

CE_AVX2 inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

CE_AVX2 inline float f16c_at(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

CE_AVX2 inline void prefetch_block(const uint8_t* blk, int bytes) {
  for (int line = 0; line < bytes; line += 64) _mm_prefetch(reinterpret_cast<const char*>(blk + kPrefetchBytes + line), _MM_HINT_T0);
}

// Byte masks picking, within each 128-bit lane of 8 int16 scales, the scale of the
// lane's 16 values: run k of a Q6_K half covers sub-blocks 2k (low lane) and 2k+1.
CE_AVX2 inline __m256i q6k_scale_pick(int k) {
  const char a = static_cast<char>(4 * k), b = static_cast<char>(4 * k + 1);
  const char c = static_cast<char>(4 * k + 2), d = static_cast<char>(4 * k + 3);
  return _mm256_setr_epi8(a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, c, d, c, d, c, d, c, d, c, d, c, d, c, d, c, d);
}

// Byte masks broadcasting int16 word j (0-7) of each 128-bit lane.
CE_AVX2 inline __m256i word_pick(int j) {
  const char a = static_cast<char>(2 * j), b = static_cast<char>(2 * j + 1);
  return _mm256_setr_epi8(a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b);
}

#define CE_KQUANT_KERNELS(TARGET, NAME, VNNI)                                                                        \
  TARGET inline __m256i NAME##_scaled(__m256i acc, __m256i pairs, __m256i scale) {                                    \
    if constexpr (VNNI) return _mm256_dpwssd_epi32(acc, pairs, scale);                                               \
    else return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, scale));                                             \
  }                                                                                                                  \
                                                                                                                     \
  template <int Rows>                                                                                                \
  TARGET inline void NAME##_q4k(const SuperRow* x, const uint8_t* w, int blocks, float* out) {                       \
    __m256 acc[Rows];                                                                                                \
    for (int r = 0; r < Rows; ++r) acc[r] = _mm256_setzero_ps();                                                     \
    const __m256i nibble = _mm256_set1_epi8(0x0f);                                                                   \
    for (int b = 0; b < blocks; ++b) {                                                                               \
      const uint8_t* blk = w + b * kQ4KBytes;                                                                        \
      prefetch_block(blk, kQ4KBytes);                                                                                \
      const ScalesMins sm = unpack_q4k_scales(blk + 4);                                                              \
      const float d = f16c_at(blk), dmin = f16c_at(blk + 2);                                                         \
      const __m256i scales = _mm256_broadcastsi128_si256(                                                            \
          _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sm.scale))));                          \
      /* dmin × the 8 mins, against each row's step × sub-block sums (min_terms) */                               \
      const __m256 dmins = _mm256_mul_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(             \
                                           _mm_loadl_epi64(reinterpret_cast<const __m128i*>(sm.min)))));             \
      /* two chains per row (each dpwssd waits for the one before it); 8 rows are chains enough */                 \
      __m256i sumi[Rows], sumj[Rows];                                                                                \
      for (int r = 0; r < Rows; ++r) sumi[r] = sumj[r] = _mm256_setzero_si256();                                     \
      for (int c = 0; c < 4; ++c) {                                                                                  \
        const __m256i codes = load256(blk + 16 + 32 * c);                                                            \
        const __m256i lo = _mm256_and_si256(codes, nibble);                                                          \
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(codes, 4), nibble);                                    \
        const __m256i s_lo = _mm256_shuffle_epi8(scales, word_pick(2 * c));                                         \
        const __m256i s_hi = _mm256_shuffle_epi8(scales, word_pick(2 * c + 1));                                     \
        for (int r = 0; r < Rows; ++r) {                                                                             \
          const int8_t* q = x[r].q + b * kSuper + 64 * c;                                                            \
          sumi[r] = NAME##_scaled(sumi[r], _mm256_maddubs_epi16(lo, load256(q)), s_lo);                              \
          __m256i& into = Rows > 4 ? sumi[r] : sumj[r];                                                              \
          into = NAME##_scaled(into, _mm256_maddubs_epi16(hi, load256(q + 32)), s_hi);                               \
        }                                                                                                            \
      }                                                                                                              \
      for (int r = 0; r < Rows; ++r) {                                                                               \
        const float dx = x[r].step[b];                                                                               \
        acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(sumi[r], sumj[r])), _mm256_set1_ps(d * dx), acc[r]); \
        acc[r] = _mm256_fnmadd_ps(dmins, _mm256_loadu_ps(x[r].min_terms + b * 8), acc[r]);                         \
      }                                                                                                              \
    }                                                                                                                \
    for (int r = 0; r < Rows; ++r) out[r] = hsum8(acc[r]);                                                           \
  }                                                                                                                  \
                                                                                                                     \
  template <int Rows>                                                                                                \
  TARGET inline void NAME##_q6k(const SuperRow* x, const uint8_t* w, int blocks, float* out) {                       \
    __m256 acc[Rows];                                                                                                \
    for (int r = 0; r < Rows; ++r) acc[r] = _mm256_setzero_ps();                                                     \
    const __m256i nibble = _mm256_set1_epi8(0x0f), top = _mm256_set1_epi8(0x30);                                     \
    for (int b = 0; b < blocks; ++b) {                                                                               \
      const uint8_t* blk = w + b * kQ6KBytes;                                                                        \
      prefetch_block(blk, kQ6KBytes);                                                                                \
      const int8_t* sc = reinterpret_cast<const int8_t*>(blk + 192);                                                 \
      const float d = f16c_at(blk + 208);                                                                            \
      /* codes are stored + 32: start each sum at -32 * sum_s scale[s] * sum16[s] */                              \
      const __m256i scales = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(sc)));            \
      __m256i sumi[Rows], sumj[Rows];                                                                                \
      for (int r = 0; r < Rows; ++r) sumj[r] = _mm256_setzero_si256();                                              \
      for (int r = 0; r < Rows; ++r)                                                                                 \
        sumi[r] = _mm256_sub_epi32(_mm256_setzero_si256(),                                                           \
                                   _mm256_slli_epi32(_mm256_madd_epi16(scales, load256(x[r].sum16 + b * 16)), 5));   \
      for (int h = 0; h < 2; ++h) {                                                                                  \
        const __m256i half_scales =                                                                                  \
            _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(sc + 8 * h)))); \
        const __m256i ql0 = load256(blk + 64 * h), ql1 = load256(blk + 64 * h + 32), qh = load256(blk + 128 + 32 * h); \
        const __m256i runs[4] = {                                                                                    \
            _mm256_or_si256(_mm256_and_si256(ql0, nibble), _mm256_and_si256(_mm256_slli_epi16(qh, 4), top)),         \
            _mm256_or_si256(_mm256_and_si256(ql1, nibble), _mm256_and_si256(_mm256_slli_epi16(qh, 2), top)),         \
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), nibble), _mm256_and_si256(qh, top)),         \
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), nibble),                                     \
                            _mm256_and_si256(_mm256_srli_epi16(qh, 2), top)),                                        \
        };                                                                                                           \
        for (int k = 0; k < 4; ++k) {                                                                                \
          const __m256i scale = _mm256_shuffle_epi8(half_scales, q6k_scale_pick(k));                                 \
          for (int r = 0; r < Rows; ++r) {                                                                           \
            __m256i& into = k & 1 && Rows <= 4 ? sumj[r] : sumi[r];                                                  \
            into = NAME##_scaled(into, _mm256_maddubs_epi16(runs[k], load256(x[r].q + b * kSuper + 128 * h + 32 * k)), scale); \
          }                                                                                                          \
        }                                                                                                            \
      }                                                                                                              \
      for (int r = 0; r < Rows; ++r)                                                                                 \
        acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(sumi[r], sumj[r])), _mm256_set1_ps(d * x[r].step[b]), acc[r]); \
    }                                                                                                                \
    for (int r = 0; r < Rows; ++r) out[r] = hsum8(acc[r]);                                                           \
  }                                                                                                                  \
                                                                                                                     \
  /* Weight rows [n0, n1) against Rows activation rows, the row loop inside the target so */                    \
  /* each row's kernel is inlined (no call or setup per weight row); out[r * stride + n]. */                       \
  template <int Rows>                                                                                                \
  TARGET void NAME##_range(int type, const SuperRow* x, const uint8_t* w, size_t row_bytes, int blocks, int n0,     \
                           int n1, float* out, size_t stride) {                                                      \
    float acc[Rows];                                                                                                 \
    for (int n = n0; n < n1; ++n) {                                                                                  \
      if (type == quant::Q4_K) NAME##_q4k<Rows>(x, w + n * row_bytes, blocks, acc);                                  \
      else NAME##_q6k<Rows>(x, w + n * row_bytes, blocks, acc);                                                      \
      for (int r = 0; r < Rows; ++r) out[r * stride + n] = acc[r];                                                   \
    }                                                                                                                \
  }

CE_KQUANT_KERNELS(CE_AVX2, kq_avx2, false)
CE_KQUANT_KERNELS(CE_VNNI, kq_vnni, true)
#undef CE_KQUANT_KERNELS
#endif

// Rows of x against one weight row, on the tiers without a range kernel (NEON, portable);
// the x86 tiers take whole ranges (range_dispatch).
void rows_dispatch(Kernel kernel, int type, const SuperRow* x, int rows, const uint8_t* w, int blocks, float* out) {
#ifdef CE_ARM64
  if (kernel == Kernel::kNeonDot) {
    for (int r = 0; r < rows; ++r)
      out[r] = type == quant::Q4_K ? q4k_row_neon(x[r], w, blocks) : q6k_row_neon(x[r], w, blocks);
    return;
  }
#endif
  (void)kernel;
  for (int r = 0; r < rows; ++r)
    out[r] = type == quant::Q4_K ? q4k_row_portable(x[r], w, blocks) : q6k_row_portable(x[r], w, blocks);
}

// `rows` activation rows against weight rows [n0, n1): out[r * stride + n]. On x86 the loop
// over weight rows sits inside the kernel's target: with K = 1536 a row is only 6 blocks,
// and a call, switch and setup per row cost ~15% of its time in decode.
void range_dispatch(Kernel kernel, int type, const SuperRow* x, int rows, const uint8_t* w, size_t row_bytes, int blocks,
                    int n0, int n1, float* out, size_t stride) {
#ifdef CE_X86
#define CE_RANGE(FN, R) return FN<R>(type, x, w, row_bytes, blocks, n0, n1, out, stride)
  const bool vnni = kernel == Kernel::kVnni;
  if (vnni || (kernel == Kernel::kAvx2 && rows <= kRowBlock)) {  // AVX2 holds 4 rows at most
    switch (rows) {
      case 1: if (vnni) CE_RANGE(kq_vnni_range, 1); else CE_RANGE(kq_avx2_range, 1);
      case 2: if (vnni) CE_RANGE(kq_vnni_range, 2); else CE_RANGE(kq_avx2_range, 2);
      case 3: if (vnni) CE_RANGE(kq_vnni_range, 3); else CE_RANGE(kq_avx2_range, 3);
      case 4: if (vnni) CE_RANGE(kq_vnni_range, 4); else CE_RANGE(kq_avx2_range, 4);
      case 5: CE_RANGE(kq_vnni_range, 5);
      case 6: CE_RANGE(kq_vnni_range, 6);
      case 7: CE_RANGE(kq_vnni_range, 7);
      default: CE_RANGE(kq_vnni_range, 8);
    }
  }
#undef CE_RANGE
#endif
  float acc[kMaxRowBlock];
  for (int n = n0; n < n1; ++n) {
    rows_dispatch(kernel, type, x, rows, w + n * row_bytes, blocks, acc);
    for (int r = 0; r < rows; ++r) out[r * stride + n] = acc[r];
  }
}


// ---- K-quant rows packed by eight (kQ4KPacked, kQ6KPacked) ------------------------
// Group-block (g, b) is super-block b of rows 8g..8g+7 (8 × the type's block bytes) at
// (g × blocks + b) × that, so group g spans exactly the bytes of its eight rows. Each
// field of a block is cut into chunks; chunk c of row r lands at the field's region +
// (8c + r) × chunk bytes, so one 32-byte load holds the same four bytes of eight rows
// and dpbusd gives the eight rows' partial sums in eight lanes.
//   Q4_K (1,152 bytes): [0, 16) d (f16) · [16, 32) dmin · [32, 128) the 12 bytes of
//     6-bit scales and mins as three 4-byte words · [128, 1152) codes, 4-byte chunks
//     (chunk 8c + j: low nibbles values 64c + 4j.., high nibbles 64c + 32 + 4j..)
//   Q6_K (1,680 bytes): [0, 16) d · [16, 144) the 16 int8 sub-scales, one byte a chunk
//     (sub-block s of row r at 16 + 8s + r: eight rows' scale is one 8-byte load) ·
//     [144, 1168) ql, 4-byte chunks · [1168, 1680) qh, 4-byte chunks
constexpr int kPackRows = 8;

struct PackField {
  int offset;  // in the type's own block
  int chunk;   // bytes per chunk
  int chunks;
};
constexpr PackField kQ4KFields[] = {{0, 2, 1}, {2, 2, 1}, {4, 4, 3}, {16, 4, 32}};
constexpr PackField kQ6KFields[] = {{208, 2, 1}, {192, 1, 16}, {0, 4, 32}, {128, 4, 16}};
constexpr int kQ4KPackDmin = 16, kQ4KPackWords = 32, kQ4KPackCodes = 128;
constexpr int kQ6KPackScales = 16, kQ6KPackLow = 144, kQ6KPackHigh = 1168;

int block_bytes(int base) { return base == quant::Q6_K ? kQ6KBytes : kQ4KBytes; }

template <typename Fn>  // fn(offset in the packed group-block, offset in row r's block, bytes)
void for_each_chunk(int base, int r, const Fn& fn) {
  int region = 0;
  const auto walk = [&](const auto& fields) {
    for (const PackField& f : fields) {
      for (int c = 0; c < f.chunks; ++c) fn(region + (kPackRows * c + r) * f.chunk, f.offset + c * f.chunk, f.chunk);
      region += kPackRows * f.chunk * f.chunks;
    }
  };
  if (base == quant::Q6_K) walk(kQ6KFields);
  else walk(kQ4KFields);
}

void pack_block(int base, const uint8_t* const rows[kPackRows], uint8_t* g) {  // rows[r]: row r's block
  for (int r = 0; r < kPackRows; ++r)
    for_each_chunk(base, r, [&](int at, int from, int bytes) { std::memcpy(g + at, rows[r] + from, bytes); });
}

void unpack_block(int base, const uint8_t* g, int r, uint8_t* blk) {  // row r's block back
  for_each_chunk(base, r, [&](int at, int from, int bytes) { std::memcpy(blk + from, g + at, bytes); });
}

// The eight outputs of a group for one activation row. The integer sums are exact in
// any order and the float steps are the VNNI kernels', in their order: both give the same bits.
void packed_q4k_portable(const SuperRow& x, const uint8_t* w, int blocks, float* out) {
  constexpr int kBytes = kPackRows * kQ4KBytes;
  float acc[kPackRows] = {};
  for (int b = 0; b < blocks; ++b) {
    const uint8_t* g = w + static_cast<size_t>(b) * kBytes;
    const int8_t* q = x.q + b * kSuper;
    const int16_t* s32 = x.sum32 + b * 8;
    for (int r = 0; r < kPackRows; ++r) {
      uint8_t words[12];
      for (int k = 0; k < 3; ++k) std::memcpy(words + 4 * k, g + kQ4KPackWords + 32 * k + 4 * r, 4);
      const ScalesMins sm = unpack_q4k_scales(words);
      int32_t sumi = 0, summ = 0;
      for (int c = 0; c < 4; ++c) {
        int32_t lo = 0, hi = 0;
        for (int j = 0; j < 8; ++j) {
          const uint8_t* codes = g + kQ4KPackCodes + 32 * (8 * c + j) + 4 * r;
          for (int i = 0; i < 4; ++i) {
            lo += (codes[i] & 0x0f) * q[64 * c + 4 * j + i];
            hi += (codes[i] >> 4) * q[64 * c + 32 + 4 * j + i];
          }
        }
        sumi += lo * sm.scale[2 * c] + hi * sm.scale[2 * c + 1];
      }
      for (int s = 0; s < 8; ++s) summ += sm.min[s] * s32[s];
      const float step = x.step[b];
      acc[r] = std::fma(static_cast<float>(sumi), f16_at(g + 2 * r) * step, acc[r]);
      acc[r] = std::fma(-static_cast<float>(summ), f16_at(g + kQ4KPackDmin + 2 * r) * step, acc[r]);
    }
  }
  std::memcpy(out, acc, sizeof acc);
}

// Q6_K's code of value i of a half (0-127) in packed chunk words: the low nibble from ql
// chunk (i & 31) / 4 (+ 8 for runs 1 and 3), nibble i / 64; 2 bits of qh chunk (i & 31) / 4 at 2 × run.
void packed_q6k_portable(const SuperRow& x, const uint8_t* w, int blocks, float* out) {
  constexpr int kBytes = kPackRows * kQ6KBytes;
  float acc[kPackRows] = {};
  for (int b = 0; b < blocks; ++b) {
    const uint8_t* g = w + static_cast<size_t>(b) * kBytes;
    const int8_t* q = x.q + b * kSuper;
    const int16_t* s16 = x.sum16 + b * 16;
    for (int r = 0; r < kPackRows; ++r) {
      int32_t sumi = 0, offset = 0;
      for (int s = 0; s < 16; ++s) {
        const int h = s >> 3, run = (s >> 1) & 3, part = s & 1;
        int32_t dot = 0;
        for (int l = 16 * part; l < 16 * part + 16; ++l) {
          const uint8_t lo = g[kQ6KPackLow + 32 * (16 * h + 8 * (run & 1) + l / 4) + 4 * r + l % 4];
          const uint8_t hi = g[kQ6KPackHigh + 32 * (8 * h + l / 4) + 4 * r + l % 4];
          const int code = ((lo >> (4 * (run >> 1))) & 0x0f) | (((hi >> (2 * run)) & 3) << 4);
          dot += code * q[128 * h + 32 * run + l];
        }
        const int scale = static_cast<int8_t>(g[kQ6KPackScales + 8 * s + r]);
        sumi += dot * scale;
        offset += scale * s16[s];
      }
      acc[r] = std::fma(static_cast<float>(sumi - 32 * offset), f16_at(g + 2 * r) * x.step[b], acc[r]);
    }
  }
  std::memcpy(out, acc, sizeof acc);
}

#ifdef CE_X86
// Byte k of each 32-bit lane as an int32 (one sub-block's scale of each of the eight rows).
CE_VNNI inline __m256i lane_byte(__m256i words, int k) {
  return _mm256_and_si256(_mm256_srli_epi32(words, 8 * k), _mm256_set1_epi32(0xff));
}

// Bytes 2h and 2h + 1 of each 32-bit lane as two int16 (two sub-blocks' mins per row).
CE_VNNI inline __m256i lane_byte_pair(__m256i words, int h) {
  const char a = static_cast<char>(2 * h), b = static_cast<char>(2 * h + 1), z = static_cast<char>(0x80);
  const __m256i pick = _mm256_setr_epi8(a, z, b, z, a + 4, z, b + 4, z, a + 8, z, b + 8, z, a + 12, z, b + 12, z,
                                        a, z, b, z, a + 4, z, b + 4, z, a + 8, z, b + 8, z, a + 12, z, b + 12, z);
  return _mm256_shuffle_epi8(words, pick);
}

CE_VNNI inline __m256i broadcast32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// acc + the dot products of codes (u8) with the four int8 at q repeated in every lane. The
// broadcast is the instruction's own memory operand ({1to8}), one instruction where the
// compiler emits two (a broadcast load, then dpbusd): front-end bound at four rows.
CE_VNNI inline __m256i dpbusd_broadcast(__m256i acc, __m256i codes, const int8_t* q) {
#if defined(__GNUC__)
  asm("vpdpbusd %2%{1to8%}, %1, %0" : "+v"(acc) : "v"(codes), "m"(*reinterpret_cast<const int32_t*>(q)));
  return acc;
#else
  return _mm256_dpbusd_epi32(acc, codes, broadcast32(q));
#endif
}

// unpack_q4k_scales on the eight rows of a packed Q4_K group-block at once: byte k of
// lane r of scales[0] (scales[1]) is row r's scale of sub-block k (4 + k); mins alike.
CE_VNNI inline void packed_q4k_scales(const uint8_t* g, __m256i scales[2], __m256i mins[2]) {
  const __m256i low6 = _mm256_set1_epi8(0x3f), low4 = _mm256_set1_epi8(0x0f), top2 = _mm256_set1_epi8(0x30);
  const __m256i u0 = load256(g + kQ4KPackWords), u1 = load256(g + kQ4KPackWords + 32), u2 = load256(g + kQ4KPackWords + 64);
  scales[0] = _mm256_and_si256(u0, low6);
  scales[1] = _mm256_or_si256(_mm256_and_si256(u2, low4), _mm256_and_si256(_mm256_srli_epi32(u0, 2), top2));
  mins[0] = _mm256_and_si256(u1, low6);
  mins[1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(u2, 4), low4), _mm256_and_si256(_mm256_srli_epi32(u1, 2), top2));
}

// Rows activation rows (<= 4: five accumulators each in 32 registers; 8 rows spilled
// and ran slower than two passes of 4 over weights then in L1) against a Q4_K group (8
// weight rows) at w: out[r * stride + 0..7]. Per 32 codes of the eight rows one dpbusd
// per activation row; per sub-block one mullo by the eight rows' scales.
template <int Rows>
CE_VNNI void packed_q4k_vnni(const SuperRow* x, const uint8_t* w, int blocks, float* out, size_t stride) {
  constexpr int kBytes = kPackRows * kQ4KBytes;
  __m256 acc[Rows];
  for (int m = 0; m < Rows; ++m) acc[m] = _mm256_setzero_ps();
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  for (int b = 0; b < blocks; ++b) {
    const uint8_t* g = w + static_cast<size_t>(b) * kBytes;
    prefetch_block(g, kBytes);
    __m256i scales[2], mins[2];
    packed_q4k_scales(g, scales, mins);
    __m256i isum[Rows], imin[Rows];
    for (int m = 0; m < Rows; ++m) isum[m] = imin[m] = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      __m256i lo_sum[Rows], hi_sum[Rows];
      for (int m = 0; m < Rows; ++m) lo_sum[m] = hi_sum[m] = _mm256_setzero_si256();
      for (int j = 0; j < 8; ++j) {
        const __m256i codes = load256(g + kQ4KPackCodes + 32 * (8 * c + j));
        const __m256i lo = _mm256_and_si256(codes, nibble), hi = _mm256_and_si256(_mm256_srli_epi16(codes, 4), nibble);
        for (int m = 0; m < Rows; ++m) {
          const int8_t* q = x[m].q + b * kSuper + 64 * c + 4 * j;
          lo_sum[m] = dpbusd_broadcast(lo_sum[m], lo, q);
          hi_sum[m] = dpbusd_broadcast(hi_sum[m], hi, q + 32);
        }
      }
      const __m256i s_lo = lane_byte(scales[c >> 1], (2 * c) & 3), s_hi = lane_byte(scales[c >> 1], (2 * c + 1) & 3);
      for (int m = 0; m < Rows; ++m)
        isum[m] = _mm256_add_epi32(isum[m], _mm256_add_epi32(_mm256_mullo_epi32(lo_sum[m], s_lo), _mm256_mullo_epi32(hi_sum[m], s_hi)));
    }
    for (int h = 0; h < 4; ++h) {  // sub-blocks 2h, 2h + 1: mins against the rows' 32-value sums
      const __m256i pair = lane_byte_pair(mins[h >> 1], h & 1);
      for (int m = 0; m < Rows; ++m) imin[m] = _mm256_dpwssd_epi32(imin[m], pair, broadcast32(x[m].sum32 + b * 8 + 2 * h));
    }
    const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g)));
    const __m256 dmin = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g + kQ4KPackDmin)));
    for (int m = 0; m < Rows; ++m) {
      const __m256 step = _mm256_set1_ps(x[m].step[b]);
      acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[m]), _mm256_mul_ps(d, step), acc[m]);
      acc[m] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(imin[m]), _mm256_mul_ps(dmin, step), acc[m]);
    }
  }
  for (int m = 0; m < Rows; ++m) _mm256_storeu_ps(out + m * stride, acc[m]);
}

// Q6_K's eight weight rows against up to 8 activation rows. Per 16-value sub-block
// column (h, part) the 16 code vectors (4 chunks × 4 runs, built from the ql and qh
// chunks as q6k's AVX2 kernel builds them) stay in registers for every activation row:
// building them cost as much as the multiply-adds when redone per 4 rows. Then one
// dpbusd per chunk, run and activation row, and per sub-block one mullo by the eight
// rows' int8 scales. The codes' +32 is taken off once per block: dpwssd of the rows'
// scale pairs against each activation row's 16-value sums.
template <int Rows>
CE_VNNI void packed_q6k_vnni(const SuperRow* x, const uint8_t* w, int blocks, float* out, size_t stride) {
  constexpr int kBytes = kPackRows * kQ6KBytes;
  __m256 acc[Rows];
  for (int m = 0; m < Rows; ++m) acc[m] = _mm256_setzero_ps();
  const __m256i nibble = _mm256_set1_epi8(0x0f), top = _mm256_set1_epi8(0x30);
  for (int b = 0; b < blocks; ++b) {
    const uint8_t* g = w + static_cast<size_t>(b) * kBytes;
    prefetch_block(g, kBytes);
    __m256i isum[Rows];
    for (int m = 0; m < Rows; ++m) isum[m] = _mm256_setzero_si256();
    for (int i = 0; i < 8; ++i) {  // sub-blocks 2i, 2i + 1 of the eight rows as int16 pairs
      const __m128i sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(g + kQ6KPackScales + 16 * i));
      const __m128i even = _mm_cvtepi8_epi16(sc), odd = _mm_cvtepi8_epi16(_mm_srli_si128(sc, 8));
      const __m256i pairs = _mm256_set_m128i(_mm_unpackhi_epi16(even, odd), _mm_unpacklo_epi16(even, odd));
      for (int m = 0; m < Rows; ++m) isum[m] = _mm256_dpwssd_epi32(isum[m], pairs, broadcast32(x[m].sum16 + b * 16 + 2 * i));
    }
    for (int m = 0; m < Rows; ++m) isum[m] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(isum[m], 5));
    for (int h = 0; h < 2; ++h) {
      for (int part = 0; part < 2; ++part) {  // the 16-value halves of each 32-value run
        __m256i codes[4][4];                  // [chunk jj][run k]
        for (int jj = 0; jj < 4; ++jj) {
          const int j = 4 * part + jj;
          const __m256i l0 = load256(g + kQ6KPackLow + 32 * (16 * h + j)), l1 = load256(g + kQ6KPackLow + 32 * (16 * h + 8 + j));
          const __m256i hb = load256(g + kQ6KPackHigh + 32 * (8 * h + j));
          codes[jj][0] = _mm256_or_si256(_mm256_and_si256(l0, nibble), _mm256_and_si256(_mm256_slli_epi16(hb, 4), top));
          codes[jj][1] = _mm256_or_si256(_mm256_and_si256(l1, nibble), _mm256_and_si256(_mm256_slli_epi16(hb, 2), top));
          codes[jj][2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), nibble), _mm256_and_si256(hb, top));
          codes[jj][3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), nibble), _mm256_and_si256(_mm256_srli_epi16(hb, 2), top));
        }
        __m256i scale[4];
        for (int k = 0; k < 4; ++k)
          scale[k] = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(g + kQ6KPackScales + 8 * (8 * h + 2 * k + part))));
        for (int m = 0; m < Rows; ++m) {
          const int8_t* q = x[m].q + b * kSuper + 128 * h + 16 * part;
          __m256i dot[4];
          for (int k = 0; k < 4; ++k) dot[k] = _mm256_setzero_si256();
          for (int jj = 0; jj < 4; ++jj)
            for (int k = 0; k < 4; ++k) dot[k] = dpbusd_broadcast(dot[k], codes[jj][k], q + 32 * k + 4 * jj);
          for (int k = 0; k < 4; ++k) isum[m] = _mm256_add_epi32(isum[m], _mm256_mullo_epi32(dot[k], scale[k]));
        }
      }
    }
    const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g)));
    for (int m = 0; m < Rows; ++m)
      acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[m]), _mm256_mul_ps(d, _mm256_set1_ps(x[m].step[b])), acc[m]);
  }
  for (int m = 0; m < Rows; ++m) _mm256_storeu_ps(out + m * stride, acc[m]);
}

template <int Rows>
CE_VNNI void packed_vnni_range(int base, const SuperRow* x, const uint8_t* w, int blocks, int g0, int g1, float* out,
                               size_t stride) {
  const size_t group_bytes = static_cast<size_t>(blocks) * kPackRows * block_bytes(base);
  for (int g = g0; g < g1; ++g) {
    if (base == quant::Q6_K) packed_q6k_vnni<Rows>(x, w + g * group_bytes, blocks, out + kPackRows * g, stride);
    else if constexpr (Rows <= kRowBlock) packed_q4k_vnni<Rows>(x, w + g * group_bytes, blocks, out + kPackRows * g, stride);
  }
}
#endif

#if defined(CE_X86) && defined(__linux__) && defined(__GNUC__)
#define CE_AMX_KERNELS 1
// GCC 12's AVX-512 headers build some results from _mm512_undefined and warn about it.
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// ---- AMX int8 (packed Q4_K, 16 activation rows a tile) ---------------------------
// A tile multiply takes unsigned bytes times signed ones: the activations, as q + 128
// (q ^ 0x80), are the unsigned side, 16 rows × one 32-value sub-block; the weights' codes
// (0-15) the signed side, which the packed layout already holds as AMX wants it: B's row j
// is four codes of each weight row, two groups side by side for 16 columns. C[m][n] is then
// the sub-block's dot product + 128 × the sum of its codes, which is taken off once per block.
// Integer sums are exact and the float steps per (m, n) are packed_q4k_vnni's: the same bits.
#define CE_AMX __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni,avx512bw,avx512dq,amx-tile,amx-int8")))

constexpr int kAmxRows = 16;  // activation rows per tile; weight rows per tile: two groups

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// Tiles 0, 1: C (16 × 16 int32) of even and odd sub-blocks; 2, 3: A (16 activation rows ×
// 32 bytes); 4, 5: B (8 rows × 64 bytes). Two of each, so the tile unit multiplies one
// sub-block while the vector units scale the one before (whose C has left the tile by then).
CE_AMX void amx_configure() {
  TileConfig c;
  for (int t = 0; t < 2; ++t) {
    c.colsb[t] = 64, c.rows[t] = kAmxRows;
    c.colsb[2 + t] = 32, c.rows[2 + t] = kAmxRows;
    c.colsb[4 + t] = 64, c.rows[4 + t] = 8;
  }
  // As an asm with the config as its input: GCC 12 dropped the stores of colsb and rows
  // before _tile_loadconfig (it did not see the builtin read them), loading palette 1 alone.
  asm volatile("ldtilecfg %0" : : "m"(c));
}

// Back to the initial tile state once a thread's share is done: while tiles hold data,
// every context switch saves and restores 8 KiB of them (forks of a 1,000-token cache took
// 5-22 ms after an AMX prefill instead of 2-4).
CE_AMX void amx_release() { _tile_release(); }

// What a block of a pair of groups needs for every activation tile: B for its 8 sub-blocks,
// the 16 rows' scales as int32 and mins as int16 pairs, d and dmin, and the 128 × codes
// correction.
struct AmxBlock {
  uint8_t b[8][8][64];
  int32_t scale[8][16];
  int32_t min_pairs[4][16];  // lane n: mins of sub-blocks 2h and 2h + 1 as two int16
  int32_t correction[16];
  float d[16], dmin[16];
};

CE_AMX inline __m512i join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }

CE_AMX void amx_prepare(const uint8_t* g0, const uint8_t* g1, AmxBlock& p) {
  __m256i sc[2][2], mn[2][2];  // [group][sub-blocks 0-3, 4-7]
  const uint8_t* groups[2] = {g0, g1};
  for (int h = 0; h < 2; ++h) {
    const uint8_t* g = groups[h];
    packed_q4k_scales(g, sc[h], mn[h]);
    _mm256_storeu_ps(p.d + 8 * h, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g))));
    _mm256_storeu_ps(p.dmin + 8 * h, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(g + kQ4KPackDmin))));
  }
  for (int h = 0; h < 4; ++h)
    _mm512_storeu_si512(p.min_pairs[h], join(lane_byte_pair(mn[0][h >> 1], h & 1), lane_byte_pair(mn[1][h >> 1], h & 1)));
  const __m512i nibble = _mm512_set1_epi8(0x0f), ones = _mm512_set1_epi8(1);
  __m512i correction = _mm512_setzero_si512();
  for (int s = 0; s < 8; ++s) {
    const int c = s >> 1, shift = 4 * (s & 1);
    __m512i codes_sum = _mm512_setzero_si512();
    for (int j = 0; j < 8; ++j) {
      const __m512i both = join(load256(g0 + kQ4KPackCodes + 32 * (8 * c + j)), load256(g1 + kQ4KPackCodes + 32 * (8 * c + j)));
      const __m512i codes = _mm512_and_si512(_mm512_srli_epi16(both, shift), nibble);
      _mm512_storeu_si512(p.b[s][j], codes);
      codes_sum = _mm512_dpbusd_epi32(codes_sum, codes, ones);
    }
    const __m512i scale = join(lane_byte(sc[0][s >> 2], s & 3), lane_byte(sc[1][s >> 2], s & 3));
    _mm512_storeu_si512(p.scale[s], scale);
    correction = _mm512_add_epi32(correction, _mm512_mullo_epi32(scale, codes_sum));
  }
  _mm512_storeu_si512(p.correction, _mm512_slli_epi32(correction, 7));
}

// Sub-block s's products into C tile T from A tile TA and B tile TB (the intrinsics take
// literal tile numbers), stored to c[T].
#define CE_AMX_SUBBLOCK(T, TA, TB, s)                          \
  do {                                                         \
    _tile_zero(T);                                             \
    _tile_loadd(TA, xu + b * kSuper + 32 * (s), K);            \
    _tile_loadd(TB, p.b[s], 64);                               \
    _tile_dpbusd(T, TA, TB);                                   \
    _tile_stored(T, c[T], 64);                                 \
  } while (0)

// isum[m] += C[m] × the sub-block's scales (one per weight row, a lane each).
CE_AMX inline void amx_scale_into(__m512i* isum, const int32_t (*c)[16], const int32_t* scales) {
  const __m512i scale = _mm512_loadu_si512(scales);
  for (int m = 0; m < kAmxRows; ++m) isum[m] = _mm512_add_epi32(isum[m], _mm512_mullo_epi32(_mm512_load_si512(c[m]), scale));
}

// 16 activation rows (their q ^ 0x80 in xu, K bytes apart) against the pair of groups
// prepared in `prep` (one AmxBlock per super-block): out[m * stride + 0..15].
CE_AMX void amx_tile_rows(const uint8_t* xu, const SuperRow* x, int K, const AmxBlock* prep, int blocks, float* out, size_t stride) {
  alignas(64) int32_t c[2][kAmxRows][16];
  alignas(64) float acc[kAmxRows][16] = {};
  for (int b = 0; b < blocks; ++b) {
    const AmxBlock& p = prep[b];
    __m512i isum[kAmxRows];
    const __m512i start = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_loadu_si512(p.correction));
    for (int m = 0; m < kAmxRows; ++m) isum[m] = start;
    CE_AMX_SUBBLOCK(0, 2, 4, 0);
    for (int s = 1; s < 8; s += 2) {
      CE_AMX_SUBBLOCK(1, 3, 5, s);
      amx_scale_into(isum, c[(s - 1) & 1], p.scale[s - 1]);
      if (s + 1 < 8) CE_AMX_SUBBLOCK(0, 2, 4, s + 1);
      amx_scale_into(isum, c[s & 1], p.scale[s]);
    }
    const __m512 d = _mm512_loadu_ps(p.d), dmin = _mm512_loadu_ps(p.dmin);
    for (int m = 0; m < kAmxRows; ++m) {
      __m512i imin = _mm512_setzero_si512();
      for (int h = 0; h < 4; ++h)
        imin = _mm512_dpwssd_epi32(imin, _mm512_loadu_si512(p.min_pairs[h]), _mm512_set1_epi32(*reinterpret_cast<const int32_t*>(x[m].sum32 + b * 8 + 2 * h)));
      const __m512 step = _mm512_set1_ps(x[m].step[b]);
      __m512 a = _mm512_load_ps(acc[m]);
      a = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[m]), _mm512_mul_ps(d, step), a);
      a = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(imin), _mm512_mul_ps(dmin, step), a);
      _mm512_store_ps(acc[m], a);
    }
  }
  for (int m = 0; m < kAmxRows; ++m) _mm512_storeu_ps(out + m * stride, _mm512_load_ps(acc[m]));
}
#undef CE_AMX_SUBBLOCK

// Rows [0, tiles × 16) against pairs of groups [0, pairs): each thread prepares its pairs'
// blocks once and runs every activation tile past them.
void packed_q4k_amx(const SuperActivations& a, const uint8_t* w, float* out, int N, int K, int tiles, int pairs) {
  const int blocks = K / kSuper;
  const size_t group_bytes = static_cast<size_t>(blocks) * kPackRows * kQ4KBytes;
  std::vector<uint8_t> xu(static_cast<size_t>(tiles) * kAmxRows * K);
  for (size_t i = 0; i < xu.size(); ++i) xu[i] = static_cast<uint8_t>(a.q[i]) ^ 0x80;
  // A few pairs' prepared blocks (L2) go past each activation tile (L1) in turn.
  const int chunk = std::max(1, static_cast<int>((256 << 10) / (blocks * sizeof(AmxBlock))));
  parallel_for(pairs, [&](int p0, int p1) {
    amx_configure();
    std::vector<AmxBlock> prep(static_cast<size_t>(chunk) * blocks);
    SuperRow xr[kAmxRows];
    for (int c0 = p0; c0 < p1; c0 += chunk) {
      const int c1 = std::min(p1, c0 + chunk);
      for (int pair = c0; pair < c1; ++pair) {
        const uint8_t* g0 = w + 2 * pair * group_bytes;
        for (int b = 0; b < blocks; ++b)
          amx_prepare(g0 + b * kPackRows * kQ4KBytes, g0 + group_bytes + b * kPackRows * kQ4KBytes, prep[(pair - c0) * blocks + b]);
      }
      for (int t = 0; t < tiles; ++t) {
        for (int m = 0; m < kAmxRows; ++m) xr[m] = super_row(a, t * kAmxRows + m, K);
        for (int pair = c0; pair < c1; ++pair)
          amx_tile_rows(xu.data() + static_cast<size_t>(t) * kAmxRows * K, xr, K, prep.data() + (pair - c0) * blocks, blocks,
                        out + static_cast<size_t>(t) * kAmxRows * N + 16 * pair, N);
      }
    }
    amx_release();
  });
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif


// `rows` (<= packed_row_block) activation rows against groups [g0, g1): out[r * stride + 8g + i].
void packed_range(Kernel kernel, int base, const SuperRow* x, int rows, const uint8_t* w, int blocks, int g0, int g1,
                  float* out, size_t stride) {
#ifdef CE_X86
  if (kernel == Kernel::kVnni) {
    switch (rows) {  // Q4_K's calls take 4 rows at most, Q6_K's 8 (packed_row_block)
      case 1: return packed_vnni_range<1>(base, x, w, blocks, g0, g1, out, stride);
      case 2: return packed_vnni_range<2>(base, x, w, blocks, g0, g1, out, stride);
      case 3: return packed_vnni_range<3>(base, x, w, blocks, g0, g1, out, stride);
      case 4: return packed_vnni_range<4>(base, x, w, blocks, g0, g1, out, stride);
      case 5: return packed_vnni_range<5>(base, x, w, blocks, g0, g1, out, stride);
      case 6: return packed_vnni_range<6>(base, x, w, blocks, g0, g1, out, stride);
      case 7: return packed_vnni_range<7>(base, x, w, blocks, g0, g1, out, stride);
      default: return packed_vnni_range<8>(base, x, w, blocks, g0, g1, out, stride);
    }
  }
#endif
  (void)kernel;
  const size_t group_bytes = static_cast<size_t>(blocks) * kPackRows * block_bytes(base);
  for (int g = g0; g < g1; ++g)
    for (int r = 0; r < rows; ++r) {
      float* o = out + r * stride + kPackRows * g;
      if (base == quant::Q6_K) packed_q6k_portable(x[r], w + g * group_bytes, blocks, o);
      else packed_q4k_portable(x[r], w + g * group_bytes, blocks, o);
    }
}

// Activation rows per call: Q4_K's kernel holds 4 in registers (8 spilled and ran slower
// than two passes of 4 over weights then in L1); Q6_K's shares its built codes over 8.
int packed_row_block(int base) { return base == quant::Q6_K ? kMaxRowBlock : kRowBlock; }

void packed_linear(int base, const SuperActivations& a, const uint8_t* w, float* out, int M, int N, int K) {
  const Kernel kernel = active_kernel();
  const int blocks = K / kSuper;
  const int groups = N / kPackRows;
  // Rows from `first` on, against groups [g_begin, groups).
  const auto vnni_rows = [&](int first, int g_begin) {
    if (first >= M || g_begin >= groups) return;
    for_row_ranges(M - first, groups - g_begin, K, [&](int g0, int g1, int m0, int rows) {
      SuperRow xr[kMaxRowBlock];
      for (int r = 0; r < rows; ++r) xr[r] = super_row(a, first + m0 + r, K);
      packed_range(kernel, base, xr, rows, w, blocks, g_begin + g0, g_begin + g1, out + static_cast<size_t>(first + m0) * N, N);
    }, packed_row_block(base), static_cast<size_t>(blocks) * kPackRows * block_bytes(base));
  };
#ifdef CE_AMX_KERNELS
  // AMX takes whole tiles of 16 activation rows against pairs of groups; the rest of the
  // rows, and an odd last group, go to the VNNI kernels.
  if (base == quant::Q4_K && M >= kAmxRows && groups >= 2 && amx_int8_usable()) {
    const int tiles = M / kAmxRows, pairs = groups / 2;
    packed_q4k_amx(a, w, out, N, K, tiles, pairs);
    if (groups % 2) {  // the last group, for the tiles' rows
      for (int m0 = 0; m0 < tiles * kAmxRows; m0 += kRowBlock) {
        SuperRow xr[kRowBlock];
        for (int r = 0; r < kRowBlock; ++r) xr[r] = super_row(a, m0 + r, K);
        packed_range(kernel, base, xr, kRowBlock, w, blocks, groups - 1, groups, out + static_cast<size_t>(m0) * N, N);
      }
    }
    return vnni_rows(tiles * kAmxRows, 0);
  }
#endif
  vnni_rows(0, 0);
}

}  // namespace

void kquant_dequantize_row(int ggml_type, const uint8_t* row, int64_t cols, float* out) {
  for (int64_t b = 0; b < cols / kSuper; ++b, out += kSuper) {
    if (ggml_type == quant::Q4_K) {
      const uint8_t* blk = row + b * kQ4KBytes;
      const ScalesMins sm = unpack_q4k_scales(blk + 4);
      const float d = f16_at(blk), dmin = f16_at(blk + 2);
      for (int i = 0; i < kSuper; ++i) {
        const int c = i / 64, high = (i / 32) & 1, s = i / 32;
        const int code = (blk[16 + 32 * c + i % 32] >> (4 * high)) & 0x0f;
        out[i] = d * sm.scale[s] * static_cast<float>(code) - dmin * sm.min[s];
      }
    } else {
      const uint8_t* blk = row + b * kQ6KBytes;
      const int8_t* sc = reinterpret_cast<const int8_t*>(blk + 192);
      const float d = f16_at(blk + 208);
      for (int i = 0; i < kSuper; ++i) {
        const int h = i / 128, run = (i % 128) / 32, l = i % 32;
        const int lo = (blk[64 * h + (run & 1) * 32 + l] >> ((run >> 1) * 4)) & 0x0f;
        const int hi = (blk[128 + 32 * h + l] >> (2 * run)) & 3;
        out[i] = d * static_cast<float>(sc[i / 16]) * static_cast<float>((lo | (hi << 4)) - 32);
      }
    }
  }
}

bool kquant_supported(int ggml_type) {
  return ggml_type == quant::Q4_K || ggml_type == quant::Q6_K || kquant_is_packed(ggml_type);
}

bool kquant_is_packed(int ggml_type) { return ggml_type == kQ4KPacked || ggml_type == kQ6KPacked; }

int64_t kquant_row_bytes(int ggml_type, int64_t K) {
  return K / kSuper * (ggml_type == quant::Q6_K || ggml_type == kQ6KPacked ? kQ6KBytes : kQ4KBytes);
}

bool kquant_packs(int ggml_type, int64_t rows) {
  static const bool allowed = [] {
    const char* env = std::getenv("COMPILER_EXPERT_KQUANT_PACK");
    return !(env && std::string(env) == "0");
  }();
  return allowed && (ggml_type == quant::Q4_K || ggml_type == quant::Q6_K) && rows % kPackRows == 0 &&
         active_kernel() == Kernel::kVnni;
}

int kquant_packed_type(int ggml_type) { return ggml_type == quant::Q6_K ? kQ6KPacked : kQ4KPacked; }

int kquant_base_type(int packed_type) { return packed_type == kQ6KPacked ? quant::Q6_K : quant::Q4_K; }

void kquant_pack_rows(int ggml_type, const uint8_t* in, int64_t rows, int64_t K, uint8_t* out) {
  const int blocks = static_cast<int>(K / kSuper), bytes = block_bytes(ggml_type);
  const size_t group_bytes = static_cast<size_t>(blocks) * kPackRows * bytes;
  parallel_for(static_cast<int>(rows / kPackRows), [&](int g0, int g1) {
    std::vector<uint8_t> copy(group_bytes);  // the group's rows, when packing in place
    for (int g = g0; g < g1; ++g) {
      const uint8_t* src = in + g * group_bytes;
      if (in == out) src = static_cast<const uint8_t*>(std::memcpy(copy.data(), src, group_bytes));
      for (int b = 0; b < blocks; ++b) {
        const uint8_t* rows8[kPackRows];
        for (int r = 0; r < kPackRows; ++r) rows8[r] = src + (static_cast<size_t>(r) * blocks + b) * bytes;
        pack_block(ggml_type, rows8, out + g * group_bytes + static_cast<size_t>(b) * kPackRows * bytes);
      }
    }
  });
}

void kquant_dequantize_packed_row(int packed_type, const uint8_t* tensor, int64_t row, int64_t cols, float* out) {
  const int base = kquant_base_type(packed_type), bytes = block_bytes(base);
  const int blocks = static_cast<int>(cols / kSuper);
  const uint8_t* group = tensor + row / kPackRows * blocks * kPackRows * bytes;
  std::vector<uint8_t> own(static_cast<size_t>(blocks) * bytes);  // the row in its type's own layout
  for (int b = 0; b < blocks; ++b)
    unpack_block(base, group + static_cast<size_t>(b) * kPackRows * bytes, static_cast<int>(row % kPackRows), own.data() + b * bytes);
  kquant_dequantize_row(base, own.data(), cols, out);
}

void kquant_linear_cpu(const float* x, const uint8_t* w, int ggml_type, float* out, int M, int N, int K) {
  static profile::Phase* const lm_head = profile::Registry::get().phase("kquant.lm_head");
  static profile::Phase* const layers = profile::Registry::get().phase("kquant.layers");
  const profile::Scope timed(N > 50000 ? lm_head : layers);
  const int blocks = K / kSuper;
  const Kernel kernel = active_kernel();
  const SuperActivations a = quantize_super(x, M, K);
  if (kquant_is_packed(ggml_type)) return packed_linear(kquant_base_type(ggml_type), a, w, out, M, N, K);
  const size_t row_bytes = static_cast<size_t>(kquant_row_bytes(ggml_type, K));
  if (M == 1) {
    const SuperRow x1 = super_row(a, 0, K);
    parallel_for(N, [&](int n0, int n1) { range_dispatch(kernel, ggml_type, &x1, 1, w, row_bytes, blocks, n0, n1, out, 0); });
    return;
  }
  // 8 rows a call on the VNNI tier (its 32 registers hold them), else 4.
  const int row_block = kernel == Kernel::kVnni ? kMaxRowBlock : kRowBlock;
  for_row_ranges(M, N, K, [&](int n0, int n1, int m0, int rows) {
    SuperRow xr[kMaxRowBlock] = {};
    for (int r = 0; r < rows; ++r) xr[r] = super_row(a, m0 + r, K);
    range_dispatch(kernel, ggml_type, xr, rows, w, row_bytes, blocks, n0, n1, out + static_cast<size_t>(m0) * N, N);
  }, row_block, row_bytes);
}

}  // namespace ce::kernels
