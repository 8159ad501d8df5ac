#include "kernels/cpu_kernels.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu_dispatch.h"
#include "kernels/int8_activations.h"
#include "kernels/neon.h"
#include "kernels/row_tiles.h"
#include "kernels/thread_pool.h"
#include "loader/ggml_quants.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CE_X86 1
#endif

namespace ce::kernels {

namespace {

constexpr int kGroup = kAffineGroup;  // all GGUF conversions use it
constexpr int kPrefetchBytes = 2048;  // how far ahead of the kernel weights are prefetched

// ---- activations ------------------------------------------------------------
// Activations are quantised to int8 per group of 32 (step d = max|x| / 127), as
// llama.cpp does: the dot products then run on integer SIMD, which is what lets
// decode approach memory bandwidth. Every kernel below computes W x' exactly up to
// float rounding, where x' = d * q is the rounded input:
//   y[n] = sum_g  d[g] * (s[n,g] * sum_j code[n,g,j] * q[g,j]  +  b[n,g] * sum_j q[g,j]).
// The bias term must use the rounded sum too: for symmetric formats (Q4_0, Q8_0,
// Q6_K) b = -8s or similar, and the two terms cancel only if both see the same x.
//
// 4-bit layout: byte j of a group's codes holds positions 2j (low nibble) and 2j+1
// (high nibble), and the SIMD kernels unpack two groups (32 bytes) at once, so the
// int8 activations of a pair of groups (g, g+1) are stored as
//   [even(g) | even(g+1) | odd(g) | odd(g+1)], 16 values each;
// a last, unpaired group as [even | odd].
int nibble_slot(int g, int groups, int j) {
  const int odd = j % 2, k = j / 2;
  if ((g | 1) >= groups) return g * kGroup + odd * 16 + k;
  return (g & ~1) * kGroup + odd * 32 + (g & 1) * 16 + k;
}

struct QuantizedActivations {
  std::vector<int8_t> q;     // [M, K]
  std::vector<float> step;   // [M, groups]
  std::vector<int32_t> qsum; // [M, groups], sum of q
};

QuantizedActivations quantize_activations(const float* x, int M, int K, int bits) {
  const int groups = K / kGroup;
  QuantizedActivations a;
  a.q.resize(static_cast<size_t>(M) * K);
  a.step.resize(static_cast<size_t>(M) * groups);
  a.qsum.resize(a.step.size());
  for (int m = 0; m < M; ++m) {
    int8_t* q = a.q.data() + static_cast<size_t>(m) * K;
    for (int g = 0; g < groups; ++g) {
      int8_t run[kGroup];
      const size_t at = static_cast<size_t>(m) * groups + g;
      a.step[at] = quantize_run(x + static_cast<size_t>(m) * K + g * kGroup, kGroup, run);
      int32_t qs = 0;
      for (int j = 0; j < kGroup; ++j) {
        q[bits == 4 ? nibble_slot(g, groups, j) : g * kGroup + j] = run[j];
        qs += run[j];
      }
      a.qsum[at] = qs;
    }
  }
  return a;
}

// One row of activations, as the kernels see it.
struct RowInputs {
  const int8_t* q;
  const float* step;
  const int32_t* qsum;
};

// ---- portable kernels (plain integer loops that compilers vectorise) --------
int32_t group_dot(int bits, const uint8_t* w, const int8_t* q, int g, int groups) {
  int32_t d = 0;
  if (bits == 4) {
    const int8_t* even = q + nibble_slot(g, groups, 0);
    const int8_t* odd = q + nibble_slot(g, groups, 1);
    const uint8_t* b = w + g * 16;
    for (int j = 0; j < 16; ++j) d += (b[j] & 0x0f) * even[j] + (b[j] >> 4) * odd[j];
  } else {
    const uint8_t* b = w + g * kGroup;
    const int8_t* v = q + g * kGroup;
    for (int j = 0; j < kGroup; ++j) d += b[j] * v[j];
  }
  return d;
}

float scale_at(const void* p, bool half, int g) {
  return half ? quant::half_to_float(static_cast<const uint16_t*>(p)[g]) : static_cast<const float*>(p)[g];
}

// Groups [from, groups) of one row, one group at a time (the portable kernel, and
// the SIMD kernels' tail).
float groups_portable(int bits, const RowInputs& x, const uint8_t* w, const void* sc, const void* bi, bool half,
                      int from, int groups) {
  float total = 0;
  for (int g = from; g < groups; ++g)
    total += x.step[g] * (scale_at(sc, half, g) * static_cast<float>(group_dot(bits, w, x.q, g, groups)) +
                          scale_at(bi, half, g) * static_cast<float>(x.qsum[g]));
  return total;
}


#ifdef CE_ARM64
// ---- NEON kernel (arm64 with the dot-product instructions) ----------------------
// sdot multiplies signed bytes, four products into each int32 lane: 4-bit codes
// (<= 15) fit as they are; 8-bit codes are centred (c - 128) and 128 * sum(q) added
// back through the bias, as on AVX2. Four groups' dots are reduced into one vector so
// their scales apply with vector multiply-adds. One row at a time.
CE_NEON_DOT float row_neon(int bits, bool half, const RowInputs& x, const uint8_t* w, const void* sc, const void* bi,
                           int groups) {
  const int32x4_t zero = vdupq_n_s32(0);
  const uint8x16_t nibble = vdupq_n_u8(0x0f), centre = vdupq_n_u8(0x80);
  float32x4_t acc = vdupq_n_f32(0.0f);
  const int blocked = bits == 4 ? groups & ~1 : groups;  // a last unpaired 4-bit group goes to the tail
  int g = 0;
  for (; g + 4 <= blocked; g += 4) {
    int32x4_t d[4];
    if (bits == 4) {
      for (int p = 0; p < 2; ++p) {  // the pair (g + 2p, g + 2p + 1): see nibble_slot
        const int pair = g + 2 * p;
        const uint8x16_t c0 = vld1q_u8(w + pair * 16), c1 = vld1q_u8(w + pair * 16 + 16);
        const int8_t* q = x.q + pair * kGroup;
        d[2 * p] = dot16(dot16(zero, as_s8(vandq_u8(c0, nibble)), vld1q_s8(q)), as_s8(vshrq_n_u8(c0, 4)), vld1q_s8(q + 32));
        d[2 * p + 1] =
            dot16(dot16(zero, as_s8(vandq_u8(c1, nibble)), vld1q_s8(q + 16)), as_s8(vshrq_n_u8(c1, 4)), vld1q_s8(q + 48));
      }
    } else {
      for (int k = 0; k < 4; ++k) {
        const uint8_t* c = w + (g + k) * kGroup;
        const int8_t* q = x.q + (g + k) * kGroup;
        d[k] = dot16(dot16(zero, as_s8(veorq_u8(vld1q_u8(c), centre)), vld1q_s8(q)), as_s8(veorq_u8(vld1q_u8(c + 16), centre)),
                     vld1q_s8(q + 16));
      }
    }
    const int32x4_t dots = vpaddq_s32(vpaddq_s32(d[0], d[1]), vpaddq_s32(d[2], d[3]));
    const float32x4_t s = load4(sc, half, g), st = vld1q_f32(x.step + g);
    float32x4_t b = load4(bi, half, g);
    if (bits == 8) b = vfmaq_n_f32(b, s, 128.0f);
    acc = vfmaq_f32(acc, vmulq_f32(s, st), vcvtq_f32_s32(dots));
    acc = vfmaq_f32(acc, vmulq_f32(b, st), vcvtq_f32_s32(vld1q_s32(x.qsum + g)));
  }
  return vaddvq_f32(acc) + groups_portable(bits, x, w, sc, bi, half, g, groups);
}
#endif

#ifdef CE_X86
// ---- AVX2 and AVX-512 VNNI kernels (used only if the CPU has them) -----------
// VNNI's dpbusd multiplies unsigned by signed bytes and adds four products into
// int32 in one instruction; plain AVX2 does the same with maddubs (pairs into int16)
// and madd. maddubs saturates above 2^15, which 4-bit codes (<= 15) never reach;
// 8-bit codes are centred to [-128, 127] first and their sign moved onto the
// activations (|c| * |q| pairs stay below 2^15), and 128 * sum(q) restores them.
#define CE_AVX2 __attribute__((target("avx2,fma,f16c")))
#define CE_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))

template <bool Half>
CE_AVX2 inline __m256 load8(const void* p, int g) {
  if constexpr (Half) return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(p) + g)));
  else return _mm256_loadu_ps(static_cast<const float*>(p) + g);
}

// The first `n` (< 8) scales or biases from group g, zero-padded: a row's last,
// partial block (e.g. K = 576: 18 groups) without a scalar conversion per value.
template <bool Half>
CE_AVX2 inline __m256 load_partial8(const void* p, int g, int n) {
  alignas(32) float f[8] = {};
  alignas(16) uint16_t h[8] = {};
  if constexpr (Half) {
    std::memcpy(h, static_cast<const uint16_t*>(p) + g, n * sizeof(uint16_t));
    return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(h)));
  }
  std::memcpy(f, static_cast<const float*>(p) + g, n * sizeof(float));
  return _mm256_load_ps(f);
}

CE_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

CE_AVX2 inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Rows x (8 groups at a time) against one row of weights. One template, compiled
// twice: for AVX2 and for AVX-512 VNNI (same arithmetic, exact integer dots).
// NAME##_block does one block of up to 8 groups: `units` pairs of groups (4-bit) or
// groups (8-bit); s and b are the block's weight scales and biases, step[r] and
// qsum[r] point at 8 values of row r's activation steps and sums.
#define CE_ROWS_KERNEL(TARGET, NAME, VNNI)                                                                           \
  template <int Bits, int Rows>                                                                                      \
  TARGET __attribute__((always_inline)) inline void NAME##_block(                                                    \
      const RowInputs* x, const uint8_t* w, int g, __m256 s, __m256 b, const float* const* step,                     \
      const int32_t* const* qsum, int units, __m256 (&acc)[Rows][2], __m256 (&outside)[Rows]) {                      \
    const __m256i ones16 = _mm256_set1_epi16(1), nibbles = _mm256_set1_epi8(0x0f);                                  \
    __m256 p[Rows];                                                                                                  \
    for (int r = 0; r < Rows; ++r) {                                                                                 \
      const __m256 st = _mm256_loadu_ps(step[r]), qs = _mm256_cvtepi32_ps(load256(qsum[r]));                         \
      p[r] = _mm256_mul_ps(s, st);                                                                                   \
      __m256 bias = _mm256_mul_ps(b, st);                                                                            \
      if constexpr (Bits == 8 && !VNNI) bias = _mm256_fmadd_ps(p[r], _mm256_set1_ps(128.0f), bias);                  \
      outside[r] = _mm256_fmadd_ps(bias, qs, outside[r]);                                                            \
    }                                                                                                                \
    /* Weights stream from memory once per token: fetch ahead of use. */                                          \
    for (int line = 0; line < Bits * 32; line += 64)                                                                 \
      _mm_prefetch(reinterpret_cast<const char*>(w + g * Bits * 4 + kPrefetchBytes + line), _MM_HINT_T0);          \
    if constexpr (Bits == 4) {                                                                                       \
      for (int k = 0; k < units; ++k) {                                                                              \
        const __m256i codes = load256(w + (g + 2 * k) * 16);                                                         \
        const __m256i lo = _mm256_and_si256(codes, nibbles);                                                         \
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(codes, 4), nibbles);                                   \
        const __m256i pick = _mm256_setr_epi32(2 * k, 2 * k, 2 * k, 2 * k, 2 * k + 1, 2 * k + 1, 2 * k + 1, 2 * k + 1); \
        for (int r = 0; r < Rows; ++r) {                                                                             \
          const int8_t* q = x[r].q + (g + 2 * k) * kGroup;                                                           \
          __m256i dots;                                                                                              \
          if constexpr (VNNI)                                                                                        \
            dots = _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), lo, load256(q)), hi, load256(q + 32)); \
          else                                                                                                       \
            dots = _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(lo, load256(q)),                          \
                                                      _mm256_maddubs_epi16(hi, load256(q + 32))), ones16);           \
          acc[r][k & 1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_permutevar8x32_ps(p[r], pick), acc[r][k & 1]); \
        }                                                                                                            \
      }                                                                                                              \
    } else {                                                                                                         \
      for (int k = 0; k < units; ++k) {                                                                              \
        __m256i codes = load256(w + (g + k) * kGroup);                                                               \
        if constexpr (!VNNI) codes = _mm256_xor_si256(codes, _mm256_set1_epi8(char(0x80)));                          \
        const __m256i pick = _mm256_set1_epi32(k);                                                                   \
        for (int r = 0; r < Rows; ++r) {                                                                             \
          const __m256i q = load256(x[r].q + (g + k) * kGroup);                                                      \
          __m256i dots;                                                                                              \
          if constexpr (VNNI)                                                                                        \
            dots = _mm256_dpbusd_epi32(_mm256_setzero_si256(), codes, q);                                            \
          else                                                                                                       \
            dots = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_abs_epi8(codes), _mm256_sign_epi8(q, codes)), ones16); \
          acc[r][k & 1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dots), _mm256_permutevar8x32_ps(p[r], pick), acc[r][k & 1]); \
        }                                                                                                            \
      }                                                                                                              \
    }                                                                                                                \
  }                                                                                                                  \
                                                                                                                     \
  template <int Bits, bool Half, int Rows>                                                                           \
  TARGET inline void NAME(const RowInputs* x, const uint8_t* w, const void* sc, const void* bi, int groups, float* out) { \
    __m256 acc[Rows][2], outside[Rows];                                                                              \
    for (int r = 0; r < Rows; ++r) acc[r][0] = acc[r][1] = outside[r] = _mm256_setzero_ps();                         \
    const float* step[Rows];                                                                                         \
    const int32_t* qsum[Rows];                                                                                       \
    int g = 0;                                                                                                       \
    for (; g + 8 <= groups; g += 8) {                                                                                \
      for (int r = 0; r < Rows; ++r) step[r] = x[r].step + g, qsum[r] = x[r].qsum + g;                               \
      NAME##_block<Bits, Rows>(x, w, g, load8<Half>(sc, g), load8<Half>(bi, g), step, qsum, Bits == 4 ? 4 : 8, acc, outside); \
    }                                                                                                                \
    /* A last partial block, from zero-padded copies (a last unpaired 4-bit group */                              \
    /* is left to the scalar loop). */                                                                             \
    const int blocked = Bits == 4 ? groups & ~1 : groups;                                                            \
    if (g < blocked) {                                                                                               \
      const int rem = blocked - g;                                                                                   \
      alignas(32) float tstep[Rows][8] = {};                                                                         \
      alignas(32) int32_t tq[Rows][8] = {};                                                                          \
      for (int i = 0; i < rem; ++i)                                                                                  \
        for (int r = 0; r < Rows; ++r) tstep[r][i] = x[r].step[g + i], tq[r][i] = x[r].qsum[g + i];                  \
      for (int r = 0; r < Rows; ++r) step[r] = tstep[r], qsum[r] = tq[r];                                            \
      NAME##_block<Bits, Rows>(x, w, g, load_partial8<Half>(sc, g, rem), load_partial8<Half>(bi, g, rem), step, qsum, \
                               Bits == 4 ? rem / 2 : rem, acc, outside);                                             \
      g = blocked;                                                                                                   \
    }                                                                                                                \
    for (int r = 0; r < Rows; ++r)                                                                                   \
      out[r] = hsum(_mm256_add_ps(acc[r][0], acc[r][1])) + hsum(outside[r]) +                                        \
               groups_portable(Bits, x[r], w, sc, bi, Half, g, groups);                                              \
  }                                                                                                                  \
                                                                                                                     \
  /* Weight rows [n0, n1) against Rows activation rows (see range_dispatch): out[r * stride + n]. */             \
  template <int Bits, bool Half, int Rows>                                                                           \
  TARGET void NAME##_range(const RowInputs* x, const uint8_t* w, size_t row_bytes, const uint8_t* sc,                \
                           const uint8_t* bi, size_t scale_row_bytes, int groups, int n0, int n1, float* out,        \
                           size_t stride) {                                                                          \
    float acc[Rows];                                                                                                 \
    for (int n = n0; n < n1; ++n) {                                                                                  \
      NAME<Bits, Half, Rows>(x, w + n * row_bytes, sc + n * scale_row_bytes, bi + n * scale_row_bytes, groups, acc); \
      for (int r = 0; r < Rows; ++r) out[r * stride + n] = acc[r];                                                   \
    }                                                                                                                \
  }

CE_ROWS_KERNEL(CE_AVX2, rows_avx2, false)
CE_ROWS_KERNEL(CE_VNNI, rows_vnni, true)
#undef CE_ROWS_KERNEL

#endif

// Rows of x against one row of weights, on the tiers without a range kernel (NEON,
// portable); the x86 tiers take whole ranges (range_dispatch).
void rows_dispatch(Kernel kernel, int bits, bool half, const RowInputs* x, int rows, const uint8_t* w, const void* sc,
                   const void* bi, int groups, float* out) {
#ifdef CE_ARM64
  if (kernel == Kernel::kNeonDot) {
    for (int r = 0; r < rows; ++r) out[r] = row_neon(bits, half, x[r], w, sc, bi, groups);
    return;
  }
#endif
  (void)kernel;
  for (int r = 0; r < rows; ++r) out[r] = groups_portable(bits, x[r], w, sc, bi, half, 0, groups);
}

// `rows` activation rows against weight rows [n0, n1): out[r * stride + n]. On x86 the
// loop over weight rows sits inside the kernel's target, so no weight row pays a call,
// switch or setup (~15% of a short row's time in decode; more with several rows).
template <int Bits, bool Half>
bool range_simd(Kernel kernel, const RowInputs* x, int rows, const uint8_t* w, size_t row_bytes, const uint8_t* sc,
                const uint8_t* bi, size_t scale_row_bytes, int groups, int n0, int n1, float* out, size_t stride) {
#ifdef CE_X86
#define CE_RANGE(R)                                                                                                   \
  return (kernel == Kernel::kVnni ? rows_vnni_range<Bits, Half, R> : rows_avx2_range<Bits, Half, R>)(               \
             x, w, row_bytes, sc, bi, scale_row_bytes, groups, n0, n1, out, stride),                                  \
         true
  if (kernel == Kernel::kVnni || kernel == Kernel::kAvx2) {
    switch (rows) {
      case 1: CE_RANGE(1);
      case 2: CE_RANGE(2);
      case 3: CE_RANGE(3);
      case 4: CE_RANGE(4);
    }
  }
#undef CE_RANGE
#endif
  return false;
}

void range_dispatch(Kernel kernel, int bits, bool half, const RowInputs* x, int rows, const uint8_t* w, size_t row_bytes,
                    const uint8_t* sc, const uint8_t* bi, size_t scale_row_bytes, int groups, int n0, int n1,
                    float* out, size_t stride) {
  const auto simd = bits == 4 ? (half ? range_simd<4, true> : range_simd<4, false>) : (half ? range_simd<8, true> : range_simd<8, false>);
  if (simd(kernel, x, rows, w, row_bytes, sc, bi, scale_row_bytes, groups, n0, n1, out, stride)) return;
  float acc[kRowBlock];
  for (int n = n0; n < n1; ++n) {
    rows_dispatch(kernel, bits, half, x, rows, w + n * row_bytes, sc + n * scale_row_bytes, bi + n * scale_row_bytes,
                  groups, acc);
    for (int r = 0; r < rows; ++r) out[r * stride + n] = acc[r];
  }
}

}  // namespace

void quantized_linear_cpu(const float* x, const uint32_t* w, const void* scales, const void* biases, bool half_scales,
                          float* out, int M, int N, int K, int group, int bits) {
  (void)group;  // always kGroup: quantized_linear() routes other groups to stock MLX
  const int groups = K / kGroup;
  const Kernel kernel = active_kernel();
  const QuantizedActivations a = quantize_activations(x, M, K, bits);
  const size_t row_bytes = static_cast<size_t>(K) * bits / 8;
  const size_t scale_bytes = half_scales ? 2 : 4;
  const uint8_t* wb = reinterpret_cast<const uint8_t*>(w);
  if (M == 1) {
    const RowInputs x1{a.q.data(), a.step.data(), a.qsum.data()};
    const auto* sc = static_cast<const uint8_t*>(scales);
    const auto* bi = static_cast<const uint8_t*>(biases);
    parallel_for(N, [&](int n0, int n1) {
      range_dispatch(kernel, bits, half_scales, &x1, 1, wb, row_bytes, sc, bi, groups * scale_bytes, groups, n0, n1, out, 0);
    });
    return;
  }
  const auto* sc = static_cast<const uint8_t*>(scales);
  const auto* bi = static_cast<const uint8_t*>(biases);
  for_row_ranges(M, N, K, [&](int n0, int n1, int m0, int rows) {
    RowInputs xr[kRowBlock];
    for (int r = 0; r < rows; ++r) {
      const size_t m = m0 + r;
      xr[r] = {a.q.data() + m * K, a.step.data() + m * groups, a.qsum.data() + m * groups};
    }
    range_dispatch(kernel, bits, half_scales, xr, rows, wb, row_bytes, sc, bi, groups * scale_bytes, groups, n0, n1,
                   out + static_cast<size_t>(m0) * N, N);
  }, kRowBlock, row_bytes + 2 * static_cast<size_t>(groups) * scale_bytes);
}

}  // namespace ce::kernels
