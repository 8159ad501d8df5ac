// Causal grouped-query attention over a KV cache on raw buffers (float32 or float16
// rows), free of MLX: the CPU layers (models/cpu_layer.cc) and the MLX primitive in
// attention.cc call it, and test/native/kernel_selftest.cc checks its tiers.
#include "kernels/cpu_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/avx2_math.h"
#include "kernels/thread_pool.h"
#include "loader/ggml_quants.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CE_X86 1
#endif

namespace ce::kernels {

namespace {

// The query heads that share one K/V head (grouped-query attention) are done
// together: each key and value row is read once per group rather than once per head.
// At long contexts the heads re-reading the cache from L3, not the arithmetic, were
// what decode waited on (Qwen2.5-1.5B at 1024 positions: 12 heads reading 2 K/V heads).
//
// attend_group: one query position's `g` heads (q: [g, D]) against keys [j0, j1) of
// their K/V head. Writes partial, unnormalised results for that key range: m[r] (the
// largest scaled score), z[r] (the sum of e^(score - m)) and o[r] (sum of
// e^(score - m) v, [g, D]); s is scratch for [g, j1 - j0] scores.

// Cache elements: float32, or float16 bits (the CPU layers' cache, see cpu_kernels.h).
// arm64 converts halves in hardware (__fp16); elsewhere without F16C, in software.
inline float to_f32(float v) { return v; }
inline float to_f32(uint16_t h) {
#if defined(__aarch64__)
  __fp16 f;
  std::memcpy(&f, &h, 2);
  return f;
#else
  return quant::half_to_float(h);
#endif
}

template <typename T>
void scores_portable(const float* q, const T* k, int g, int D, int j0, int j1, float scale, float* s) {
  const int C = j1 - j0;
  for (int r = 0; r < g; ++r)
    for (int j = j0; j < j1; ++j) {
      const T* kj = k + static_cast<size_t>(j) * D;
      float dot = 0;
      for (int i = 0; i < D; ++i) dot += q[r * D + i] * to_f32(kj[i]);
      s[r * C + j - j0] = scale * dot;
    }
}

void softmax_parts_portable(float* s, int C, float& m, float& z) {
  m = -INFINITY;
  for (int j = 0; j < C; ++j) m = std::max(m, s[j]);
  z = 0;
  for (int j = 0; j < C; ++j) z += s[j] = std::exp(s[j] - m);
}

template <typename T>
void values_portable(const float* p, const T* v, int g, int D, int j0, int j1, float* o) {
  const int C = j1 - j0;
  std::fill(o, o + static_cast<size_t>(g) * D, 0.0f);
  for (int j = j0; j < j1; ++j) {
    const T* vj = v + static_cast<size_t>(j) * D;
    for (int r = 0; r < g; ++r) {
      const float w = p[r * C + j - j0];
      for (int i = 0; i < D; ++i) o[r * D + i] += w * to_f32(vj[i]);
    }
  }
}

#ifdef CE_X86
CE_AVX2_FMA inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
CE_AVX2_FMA inline __m256 load8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

CE_AVX2_FMA inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// hsum8 of eight vectors at once, the same additions in the same tree (so each result
// has hsum8's bits): [a.lo + a.hi | b.lo + b.hi] for pairs, then lanes 2 apart, then
// lanes 1 apart; one permute puts the eight sums in order. 21 instructions for eight
// sums where hsum8 takes 6 for one.
CE_AVX2_FMA inline __m256 hsum8x8(const __m256* v) {
  __m256 w[4];
  for (int i = 0; i < 4; ++i)
    w[i] = _mm256_add_ps(_mm256_permute2f128_ps(v[2 * i], v[2 * i + 1], 0x20), _mm256_permute2f128_ps(v[2 * i], v[2 * i + 1], 0x31));
  __m256 z[2];  // z[0]: sums of v0, v2 (low lane) and v1, v3 (high); z[1]: v4, v6 and v5, v7
  for (int i = 0; i < 2; ++i)
    z[i] = _mm256_add_ps(_mm256_shuffle_ps(w[2 * i], w[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm256_shuffle_ps(w[2 * i], w[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  const __m256 r = _mm256_add_ps(_mm256_shuffle_ps(z[0], z[1], _MM_SHUFFLE(2, 0, 2, 0)), _mm256_shuffle_ps(z[0], z[1], _MM_SHUFFLE(3, 1, 3, 1)));
  return _mm256_permutevar8x32_ps(r, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));  // r: v0 v2 v4 v6 | v1 v3 v5 v7
}

// Up to 4 heads at a time: each key's row is loaded once for all of them, 8 / T keys
// side by side so the T × (8 / T) dot products are summed across lanes together.
template <int T, typename E>
CE_AVX2_FMA void scores_block(const float* q, const E* k, int D, int j0, int j1, float scale, float* s, int C) {
  constexpr int P = 8 / T;
  int j = j0;
  for (; j + P <= j1; j += P) {
    __m256 acc[T * P];  // acc[t * P + p]: head t, key j + p
    for (int n = 0; n < T * P; ++n) acc[n] = _mm256_setzero_ps();
    for (int i = 0; i < D; i += 8) {
      __m256 qv[T];
      for (int t = 0; t < T; ++t) qv[t] = _mm256_loadu_ps(q + t * D + i);
      for (int p = 0; p < P; ++p) {
        const __m256 kv = load8(k + static_cast<size_t>(j + p) * D + i);
        for (int t = 0; t < T; ++t) acc[t * P + p] = _mm256_fmadd_ps(qv[t], kv, acc[t * P + p]);
      }
    }
    alignas(32) float dots[8];
    _mm256_store_ps(dots, _mm256_mul_ps(_mm256_set1_ps(scale), hsum8x8(acc)));
    for (int t = 0; t < T; ++t) std::copy_n(dots + t * P, P, s + t * C + j - j0);
  }
  for (; j < j1; ++j) {  // the last few keys one at a time
    const E* kj = k + static_cast<size_t>(j) * D;
    __m256 acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm256_setzero_ps();
    for (int i = 0; i < D; i += 8) {
      const __m256 kv = load8(kj + i);
      for (int t = 0; t < T; ++t) acc[t] = _mm256_fmadd_ps(_mm256_loadu_ps(q + t * D + i), kv, acc[t]);
    }
    for (int t = 0; t < T; ++t) s[t * C + j - j0] = hsum8(acc[t]) * scale;
  }
}

CE_AVX2_FMA void softmax_parts_avx2(float* s, int C, float& m, float& z) {
  __m256 vmax = _mm256_set1_ps(-INFINITY);
  int j = 0;
  for (; j + 8 <= C; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(s + j));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, vmax);
  m = -INFINITY;
  for (float l : lanes) m = std::max(m, l);
  for (; j < C; ++j) m = std::max(m, s[j]);
  const __m256 vm = _mm256_set1_ps(m);
  __m256 vz = _mm256_setzero_ps();
  for (j = 0; j + 8 <= C; j += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), vm));
    _mm256_storeu_ps(s + j, e);
    vz = _mm256_add_ps(vz, e);
  }
  z = hsum8(vz);
  for (; j < C; ++j) z += s[j] = std::exp(s[j] - m);
}

// Up to 6 heads (Qwen2.5's groups: 12 accumulators, two values and a weight in 16
// registers), 16 output columns at a time held in registers over all keys; each value
// row's 16 columns are loaded and converted once for all the heads.
template <int T, typename E>
CE_AVX2_FMA void values_block(const float* p, int C, const E* v, int D, int j0, int j1, float* o) {
  for (int c = 0; c < D; c += 16) {
    const bool two = c + 16 <= D;
    __m256 a0[T], a1[T];
    for (int t = 0; t < T; ++t) a0[t] = a1[t] = _mm256_setzero_ps();
    for (int j = j0; j < j1; ++j) {
      const E* vj = v + static_cast<size_t>(j) * D + c;
      const __m256 v0 = load8(vj), v1 = two ? load8(vj + 8) : _mm256_setzero_ps();
      for (int t = 0; t < T; ++t) {
        const __m256 w = _mm256_broadcast_ss(p + t * C + j - j0);
        a0[t] = _mm256_fmadd_ps(w, v0, a0[t]);
        a1[t] = _mm256_fmadd_ps(w, v1, a1[t]);
      }
    }
    for (int t = 0; t < T; ++t) {
      _mm256_storeu_ps(o + t * D + c, a0[t]);
      if (two) _mm256_storeu_ps(o + t * D + c + 8, a1[t]);
    }
  }
}

template <typename E>
CE_AVX2_FMA void attend_group_avx2(const float* q, const E* k, const E* v, int g, int D, int j0, int j1,
                                   float scale, float* s, float* m, float* z, float* o) {
  const int C = j1 - j0;
  for (int r = 0; r < g;) {  // heads in fours, then a pair, then one (8 / T keys a pass)
    const int T = g - r >= 4 ? 4 : g - r >= 2 ? 2 : 1;
    if (T == 4) scores_block<4, E>(q + r * D, k, D, j0, j1, scale, s + r * C, C);
    else if (T == 2) scores_block<2, E>(q + r * D, k, D, j0, j1, scale, s + r * C, C);
    else scores_block<1, E>(q + r * D, k, D, j0, j1, scale, s + r * C, C);
    r += T;
  }
  for (int r = 0; r < g; ++r) softmax_parts_avx2(s + r * C, C, m[r], z[r]);
  for (int r = 0; r < g; r += 6) {
    float* p = s + r * C;
    switch (std::min(6, g - r)) {
      case 1: values_block<1, E>(p, C, v, D, j0, j1, o + r * D); break;
      case 2: values_block<2, E>(p, C, v, D, j0, j1, o + r * D); break;
      case 3: values_block<3, E>(p, C, v, D, j0, j1, o + r * D); break;
      case 4: values_block<4, E>(p, C, v, D, j0, j1, o + r * D); break;
      case 5: values_block<5, E>(p, C, v, D, j0, j1, o + r * D); break;
      default: values_block<6, E>(p, C, v, D, j0, j1, o + r * D); break;
    }
  }
}

// The AVX2 loops run on the same tiers as the quantized kernels (AVX2, FMA and F16C).
bool avx2() {
  const Kernel k = active_kernel();
  return k == Kernel::kAvx2 || k == Kernel::kVnni;
}

// Whole groups of 8 of n values to float16 bits; returns how many were done.
CE_AVX2_FMA int to_half_f16c(const float* x, uint16_t* out, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  return i;
}
#endif

template <typename E>
void attend_group(const float* q, const E* k, const E* v, int g, int D, int j0, int j1, float scale, float* s,
                  float* m, float* z, float* o) {
#ifdef CE_X86
  if (avx2() && D % 8 == 0) return attend_group_avx2(q, k, v, g, D, j0, j1, scale, s, m, z, o);
#endif
  const int C = j1 - j0;
  scores_portable(q, k, g, D, j0, j1, scale, s);
  for (int r = 0; r < g; ++r) softmax_parts_portable(s + r * C, C, m[r], z[r]);
  values_portable(s, v, g, D, j0, j1, o);
}

// Every query position's keys are split into chunks of kKeyChunk and the chunks' partial
// results merged, in decode and in prefill alike: a position's result is then the same
// whether one call computes it alone (decode) or with others (prefill, inject), bit for
// bit. Before, prefill took each position's keys in one piece, and the few ulps between
// the two ways, re-rounded to int8 by the next layer's kernels, now and then moved a
// logit by 0.2% (a tiny Qwen3, decoding after a 300-token prefill, on AVX-512 VNNI). In
// decode the chunks are also the tasks (flash-decoding), so a short step has work for
// every thread.
constexpr int kKeyChunk = 128;

// Rescales a position's chunks (m, z, o of one head r, `part` floats apart) to the
// largest maximum and normalises into o.
inline void merge_chunks(const float* first, int chunks, size_t part, int g, int r, int D, float* o) {
  float top = -INFINITY;
  for (int c = 0; c < chunks; ++c) top = std::max(top, first[c * part + r]);
  std::fill(o, o + D, 0.0f);
  float z = 0;
  for (int c = 0; c < chunks; ++c) {
    const float* pc = first + c * part;
    const float w = std::exp(pc[r] - top);
    z += w * pc[g + r];
    const float* oc = pc + 2 * g + static_cast<size_t>(r) * D;
    for (int d = 0; d < D; ++d) o[d] += w * oc[d];
  }
  const float inv = 1.0f / z;
  for (int d = 0; d < D; ++d) o[d] *= inv;
}

template <typename E>
void attend(const float* q, const E* k, const E* v, float* out, int H, int KV, int L, int D, int capacity, int start,
            float scale) {
  const int g = H / KV;
  const size_t part = static_cast<size_t>(g) * (D + 2);  // one chunk's m, z and o
  const auto keys_of = [&](int i) { return start + i + 1; };  // causal: keys 0..start+i
  const auto chunks_of = [&](int i) { return (keys_of(i) + kKeyChunk - 1) / kKeyChunk; };
  // Chunk c of position i of K/V head kv, into pm (its m, z, o).
  const auto chunk = [&](int kv, int i, int c, std::vector<float>& s, std::vector<float>& qg, float* pm) {
    const int j0 = c * kKeyChunk, j1 = std::min(keys_of(i), j0 + kKeyChunk);
    s.resize(static_cast<size_t>(g) * (j1 - j0));
    // The group's queries side by side (in q, [H, L, D], they are L * D apart).
    for (int r = 0; r < g; ++r)
      std::copy_n(q + (static_cast<size_t>(kv * g + r) * L + i) * D, D, qg.data() + static_cast<size_t>(r) * D);
    const size_t head = static_cast<size_t>(kv) * capacity * D;
    attend_group(qg.data(), k + head, v + head, g, D, j0, j1, scale, s.data(), pm, pm + g, pm + 2 * g);
  };
  const auto write = [&](int kv, int i, const float* first, int chunks) {
    for (int r = 0; r < g; ++r) merge_chunks(first, chunks, part, g, r, D, out + (static_cast<size_t>(kv * g + r) * L + i) * D);
  };
  if (L == 1) {
    // Decode: the tasks are (K/V head, chunk), merged once all are done.
    const int chunks = chunks_of(0);
    std::vector<float> parts(static_cast<size_t>(KV) * chunks * part);
    parallel_for(KV * chunks, [&](int begin, int end) {
      std::vector<float> s, qg(static_cast<size_t>(g) * D);
      for (int task = begin; task < end; ++task) chunk(task / chunks, 0, task % chunks, s, qg, parts.data() + task * part);
    });
    for (int kv = 0; kv < KV; ++kv) write(kv, 0, parts.data() + static_cast<size_t>(kv) * chunks * part, chunks);
    return;
  }
  // Prefill: the tasks are (K/V head, position); each does and merges its own chunks.
  parallel_for(KV * L, [&](int begin, int end) {
    std::vector<float> s, qg(static_cast<size_t>(g) * D), parts(static_cast<size_t>(chunks_of(L - 1)) * part);
    for (int task = begin; task < end; ++task) {
      const int i = task % L, kv = task / L, chunks = chunks_of(i);
      for (int c = 0; c < chunks; ++c) chunk(kv, i, c, s, qg, parts.data() + c * part);
      write(kv, i, parts.data(), chunks);
    }
  });
}

}  // namespace

void attend_cpu(const float* q, const float* k, const float* v, float* out, int H, int KV, int L, int D, int capacity,
                int start, float scale) {
  attend(q, k, v, out, H, KV, L, D, capacity, start, scale);
}

void attend_cpu(const float* q, const uint16_t* k, const uint16_t* v, float* out, int H, int KV, int L, int D,
                int capacity, int start, float scale) {
  attend(q, k, v, out, H, KV, L, D, capacity, start, scale);
}

bool half_cache_is_fast() {
#if defined(__aarch64__)
  return true;
#elif defined(CE_X86)
  return avx2();
#else
  return false;
#endif
}

void to_half(const float* x, uint16_t* out, int n) {
  int i = 0;
#ifdef CE_X86
  if (avx2()) i = to_half_f16c(x, out, n);
#endif
  for (; i < n; ++i) {
#if defined(__aarch64__)
    const __fp16 h = static_cast<__fp16>(x[i]);  // round to nearest even (the default mode)
    std::memcpy(out + i, &h, 2);
#else
    out[i] = quant::float_to_half(x[i]);
#endif
  }
}

}  // namespace ce::kernels
