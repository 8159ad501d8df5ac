#include "kernels/quantized_linear.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/thread_pool.h"
#include "loader/ggml_quants.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CE_X86 1
#endif

namespace ce::kernels {

namespace {

constexpr int kGroup = 32;  // the group size the kernels handle (all GGUF conversions)
constexpr int kRowBlock = 4;  // rows of x processed together so each weight is decoded once

// ---- portable kernels -------------------------------------------------------
// 4-bit: code k of a group sits at bits 4*(k%8) of word k/8, so byte j holds codes
// 2j (low nibble) and 2j+1 (high nibble). Activations are pre-split into their even
// and odd positions (xe, xo), so each nibble stream is a plain dot product.
void rows_q4_portable(const float* const* xe, const float* const* xo, const float* const* xsum, int rows,
                      const uint8_t* w, const float* sc, const float* bi, int groups, float* acc) {
  for (int g = 0; g < groups; ++g) {
    const uint8_t* b = w + g * 16;
    float lo[16], hi[16];
    for (int j = 0; j < 16; ++j) {
      lo[j] = static_cast<float>(b[j] & 0x0f);
      hi[j] = static_cast<float>(b[j] >> 4);
    }
    for (int r = 0; r < rows; ++r) {
      const float* e = xe[r] + g * 16;
      const float* o = xo[r] + g * 16;
      float d = 0;
      for (int j = 0; j < 16; ++j) d += lo[j] * e[j] + hi[j] * o[j];
      acc[r] += sc[g] * d + bi[g] * xsum[r][g];
    }
  }
}

void rows_q8_portable(const float* const* x, const float* const* xsum, int rows, const uint8_t* w,
                      const float* sc, const float* bi, int groups, float* acc) {
  for (int g = 0; g < groups; ++g) {
    const uint8_t* b = w + g * 32;
    float q[32];
    for (int j = 0; j < 32; ++j) q[j] = static_cast<float>(b[j]);
    for (int r = 0; r < rows; ++r) {
      const float* v = x[r] + g * 32;
      float d = 0;
      for (int j = 0; j < 32; ++j) d += q[j] * v[j];
      acc[r] += sc[g] * d + bi[g] * xsum[r][g];
    }
  }
}

#ifdef CE_X86
// ---- AVX2 + FMA kernels (compiled for those targets, used only if the CPU has them) ----
__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) void rows_q4_avx2(const float* const* xe, const float* const* xo,
                                                       const float* const* xsum, int rows, const uint8_t* w,
                                                       const float* sc, const float* bi, int groups, float* acc) {
  const __m128i mask = _mm_set1_epi8(0x0f);
  __m256 total[kRowBlock];
  for (int r = 0; r < rows; ++r) total[r] = _mm256_setzero_ps();
  for (int g = 0; g < groups; ++g) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + g * 16));
    const __m128i lo = _mm_and_si128(bytes, mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
    const __m256 l0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo));
    const __m256 l1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)));
    const __m256 h0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi));
    const __m256 h1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)));
    const __m256 s = _mm256_set1_ps(sc[g]);
    for (int r = 0; r < rows; ++r) {
      const float* e = xe[r] + g * 16;
      const float* o = xo[r] + g * 16;
      __m256 d = _mm256_mul_ps(l0, _mm256_loadu_ps(e));
      d = _mm256_fmadd_ps(l1, _mm256_loadu_ps(e + 8), d);
      d = _mm256_fmadd_ps(h0, _mm256_loadu_ps(o), d);
      d = _mm256_fmadd_ps(h1, _mm256_loadu_ps(o + 8), d);
      total[r] = _mm256_fmadd_ps(s, d, total[r]);
      acc[r] += bi[g] * xsum[r][g];
    }
  }
  for (int r = 0; r < rows; ++r) acc[r] += hsum(total[r]);
}

__attribute__((target("avx2,fma"))) void rows_q8_avx2(const float* const* x, const float* const* xsum, int rows,
                                                       const uint8_t* w, const float* sc, const float* bi,
                                                       int groups, float* acc) {
  __m256 total[kRowBlock];
  for (int r = 0; r < rows; ++r) total[r] = _mm256_setzero_ps();
  for (int g = 0; g < groups; ++g) {
    const uint8_t* b = w + g * 32;
    __m256 q[4];
    for (int k = 0; k < 4; ++k) {
      const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + 8 * k));
      q[k] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v));
    }
    const __m256 s = _mm256_set1_ps(sc[g]);
    for (int r = 0; r < rows; ++r) {
      const float* v = x[r] + g * 32;
      __m256 d = _mm256_mul_ps(q[0], _mm256_loadu_ps(v));
      d = _mm256_fmadd_ps(q[1], _mm256_loadu_ps(v + 8), d);
      d = _mm256_fmadd_ps(q[2], _mm256_loadu_ps(v + 16), d);
      d = _mm256_fmadd_ps(q[3], _mm256_loadu_ps(v + 24), d);
      total[r] = _mm256_fmadd_ps(s, d, total[r]);
      acc[r] += bi[g] * xsum[r][g];
    }
  }
  for (int r = 0; r < rows; ++r) acc[r] += hsum(total[r]);
}

__attribute__((target("avx2,fma,f16c"))) void halves_to_floats_f16c(const uint16_t* h, float* f, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(f + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i))));
  for (; i < n; ++i) f[i] = quant::half_to_float(h[i]);
}

// One group of 32 codes dotted with its activations (4-bit: even/odd halves).
__attribute__((target("avx2,fma"), always_inline)) inline __m256 q4_group_dot(const uint8_t* w, const float* e,
                                                                                const float* o) {
  const __m128i mask = _mm_set1_epi8(0x0f);
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
  const __m128i lo = _mm_and_si128(bytes, mask);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
  __m256 d = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo)), _mm256_loadu_ps(e));
  d = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8))), _mm256_loadu_ps(e + 8), d);
  d = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi)), _mm256_loadu_ps(o), d);
  return _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8))), _mm256_loadu_ps(o + 8), d);
}

__attribute__((target("avx2,fma"), always_inline)) inline __m256 q8_group_dot(const uint8_t* b, const float* v) {
  __m256 d = _mm256_setzero_ps();
  for (int k = 0; k < 4; ++k) {
    const __m128i c = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + 8 * k));
    d = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(c)), _mm256_loadu_ps(v + 8 * k), d);
  }
  return d;
}

// Decode (one row of activations) is the hot path: a dedicated loop keeps its
// accumulators in registers and runs two groups per iteration for more ILP.
__attribute__((target("avx2,fma"))) float row_q4_avx2(const float* xe, const float* xo, const float* xs,
                                                       const uint8_t* w, const float* sc, const float* bi, int groups) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  float bias = 0;
  int g = 0;
  for (; g + 2 <= groups; g += 2) {
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(sc[g]), q4_group_dot(w + g * 16, xe + g * 16, xo + g * 16), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_set1_ps(sc[g + 1]), q4_group_dot(w + (g + 1) * 16, xe + (g + 1) * 16, xo + (g + 1) * 16), acc1);
    bias += bi[g] * xs[g] + bi[g + 1] * xs[g + 1];
  }
  for (; g < groups; ++g) {
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(sc[g]), q4_group_dot(w + g * 16, xe + g * 16, xo + g * 16), acc0);
    bias += bi[g] * xs[g];
  }
  return hsum(_mm256_add_ps(acc0, acc1)) + bias;
}

__attribute__((target("avx2,fma"))) float row_q8_avx2(const float* x, const float* xs, const uint8_t* w,
                                                       const float* sc, const float* bi, int groups) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  float bias = 0;
  int g = 0;
  for (; g + 2 <= groups; g += 2) {
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(sc[g]), q8_group_dot(w + g * 32, x + g * 32), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_set1_ps(sc[g + 1]), q8_group_dot(w + (g + 1) * 32, x + (g + 1) * 32), acc1);
    bias += bi[g] * xs[g] + bi[g + 1] * xs[g + 1];
  }
  for (; g < groups; ++g) {
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(sc[g]), q8_group_dot(w + g * 32, x + g * 32), acc0);
    bias += bi[g] * xs[g];
  }
  return hsum(_mm256_add_ps(acc0, acc1)) + bias;
}

bool has_avx2() {
  static const bool yes =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return yes;
}
#endif

void halves_to_floats(const uint16_t* h, float* f, int n) {
#ifdef CE_X86
  if (has_avx2()) return halves_to_floats_f16c(h, f, n);
#endif
  for (int i = 0; i < n; ++i) f[i] = quant::half_to_float(h[i]);
}

}  // namespace

const char* cpu_kernel_name() {
#ifdef CE_X86
  if (has_avx2()) return "avx2+fma";
#endif
  return "portable";
}

void quantized_linear_cpu(const float* x, const uint32_t* w, const void* scales, const void* biases, bool half_scales,
                          float* out, int M, int N, int K, int group, int bits) {
  const int groups = K / group;
  // Per-row activation sums per group (for the bias term) and, for 4-bit, the
  // activations split into even/odd positions to match the nibble order.
  std::vector<float> xsum(static_cast<size_t>(M) * groups);
  std::vector<float> xe, xo;
  if (bits == 4) {
    xe.resize(static_cast<size_t>(M) * K / 2);
    xo.resize(static_cast<size_t>(M) * K / 2);
  }
  for (int m = 0; m < M; ++m) {
    const float* row = x + static_cast<size_t>(m) * K;
    for (int g = 0; g < groups; ++g) {
      float s = 0;
      for (int j = 0; j < group; ++j) s += row[g * group + j];
      xsum[static_cast<size_t>(m) * groups + g] = s;
    }
    if (bits == 4) {
      for (int j = 0; j < K / 2; ++j) {
        xe[static_cast<size_t>(m) * K / 2 + j] = row[2 * j];
        xo[static_cast<size_t>(m) * K / 2 + j] = row[2 * j + 1];
      }
    }
  }
  const size_t row_bytes = static_cast<size_t>(K) * bits / 8;
  const uint8_t* wb = reinterpret_cast<const uint8_t*>(w);
  parallel_for(N, [&](int begin, int end) {
    const float* xr[kRowBlock];
    const float* xer[kRowBlock];
    const float* xor_[kRowBlock];
    const float* xs[kRowBlock];
    float acc[kRowBlock];
    std::vector<float> row_scales(groups), row_biases(groups);
    for (int m0 = 0; m0 < M; m0 += kRowBlock) {
      const int rows = std::min(kRowBlock, M - m0);
      for (int r = 0; r < rows; ++r) {
        const size_t m = m0 + r;
        xr[r] = x + m * K;
        xs[r] = xsum.data() + m * groups;
        if (bits == 4) {
          xer[r] = xe.data() + m * K / 2;
          xor_[r] = xo.data() + m * K / 2;
        }
      }
      for (int n = begin; n < end; ++n) {
        const uint8_t* wn = wb + n * row_bytes;
        const size_t at = static_cast<size_t>(n) * groups;
        const float* sc;
        const float* bi;
        if (half_scales) {
          halves_to_floats(static_cast<const uint16_t*>(scales) + at, row_scales.data(), groups);
          halves_to_floats(static_cast<const uint16_t*>(biases) + at, row_biases.data(), groups);
          sc = row_scales.data();
          bi = row_biases.data();
        } else {
          sc = static_cast<const float*>(scales) + at;
          bi = static_cast<const float*>(biases) + at;
        }
        std::memset(acc, 0, sizeof(acc));
#ifdef CE_X86
        if (has_avx2()) {
          if (rows == 1) acc[0] = bits == 4 ? row_q4_avx2(xer[0], xor_[0], xs[0], wn, sc, bi, groups)
                                            : row_q8_avx2(xr[0], xs[0], wn, sc, bi, groups);
          else if (bits == 4) rows_q4_avx2(xer, xor_, xs, rows, wn, sc, bi, groups, acc);
          else rows_q8_avx2(xr, xs, rows, wn, sc, bi, groups, acc);
        } else
#endif
        {
          if (bits == 4) rows_q4_portable(xer, xor_, xs, rows, wn, sc, bi, groups, acc);
          else rows_q8_portable(xr, xs, rows, wn, sc, bi, groups, acc);
        }
        for (int r = 0; r < rows; ++r) out[static_cast<size_t>(m0 + r) * N + n] = acc[r];
      }
    }
  });
}

namespace {

class QuantizedLinear : public mx::UnaryPrimitive {
 public:
  QuantizedLinear(mx::Stream stream, int group, int bits) : mx::UnaryPrimitive(stream), group_(group), bits_(bits) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    const mx::array& x = inputs[0];
    const mx::array& w = inputs[1];
    const mx::array& scales = inputs[2];
    const mx::array& biases = inputs[3];
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    encoder.set_input_array(x);
    encoder.set_input_array(w);
    encoder.set_input_array(scales);
    encoder.set_input_array(biases);
    encoder.set_output_array(out);
    const int M = x.shape(0), K = x.shape(1), N = w.shape(0);
    const bool half = scales.dtype() == mx::float16;
    encoder.dispatch([xp = x.data<float>(), wp = w.data<uint32_t>(), sp = scales.data<void>(),
                      bp = biases.data<void>(), half, op = out.data<float>(), M, N, K, g = group_, b = bits_]() {
      quantized_linear_cpu(xp, wp, sp, bp, half, op, M, N, K, g, b);
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    // Never reached: quantized_linear() picks stock quantized_matmul for GPU streams.
    throw std::runtime_error("[QuantizedLinear] has no GPU implementation");
  }

  const char* name() const override { return "CompilerExpertQuantizedLinear"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const QuantizedLinear&>(other);
    return o.group_ == group_ && o.bits_ == bits_;
  }

 private:
  int group_, bits_;
};

}  // namespace

// COMPILER_EXPERT_STOCK_MLX=1 routes every layer through stock MLX (for benchmarks).
bool stock_only() {
  static const bool yes = std::getenv("COMPILER_EXPERT_STOCK_MLX") != nullptr;
  return yes;
}

mx::array quantized_linear(const mx::array& x, const mx::array& w, const mx::array& scales, const mx::array& biases,
                           int group, int bits, mx::StreamOrDevice s) {
  const mx::Stream stream = mx::to_stream(s);
  const int K = x.shape(-1);
  const bool float_scales = scales.dtype() == biases.dtype() &&
                            (scales.dtype() == mx::float32 || scales.dtype() == mx::float16);
  const bool ours = !stock_only() && stream.device == mx::Device::cpu && group == kGroup &&
                    (bits == 4 || bits == 8) && x.dtype() == mx::float32 && float_scales && w.ndim() == 2 &&
                    K % kGroup == 0 && w.shape(1) * 32 / bits == K;
  if (!ours) {
    // Stock MLX wants scales in the activations' dtype.
    const auto as_x = [&](const mx::array& a) { return a.dtype() == x.dtype() ? a : mx::astype(a, x.dtype(), s); };
    return mx::quantized_matmul(x, w, as_x(scales), as_x(biases), true, group, bits, "affine", s);
  }
  mx::Shape out_shape = x.shape();
  out_shape.back() = w.shape(0);
  const int M = static_cast<int>(x.size() / K);
  mx::array x2 = mx::contiguous(mx::reshape(x, {M, K}, stream), false, stream);
  mx::array y(mx::Shape{M, w.shape(0)}, mx::float32, std::make_shared<QuantizedLinear>(stream, group, bits),
              {x2, mx::contiguous(w, false, stream), mx::contiguous(scales, false, stream),
               mx::contiguous(biases, false, stream)});
  return mx::reshape(y, out_shape, stream);
}

}  // namespace ce::kernels
