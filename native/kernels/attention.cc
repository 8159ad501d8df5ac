#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/thread_pool.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CE_X86 1
#endif

namespace ce::kernels {

namespace {

float dot_portable(const float* a, const float* b, int n) {
  float s = 0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void axpy_portable(float a, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

#ifdef CE_X86
__attribute__((target("avx2,fma"))) float dot_avx2(const float* a, const float* b, int n) {
  __m256 acc = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  float r = _mm_cvtss_f32(s);
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}

__attribute__((target("avx2,fma"))) void axpy_avx2(float a, const float* x, float* y, int n) {
  const __m256 va = _mm256_set1_ps(a);
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
}

bool avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

float dot(const float* a, const float* b, int n) {
#ifdef CE_X86
  if (avx2()) return dot_avx2(a, b, n);
#endif
  return dot_portable(a, b, n);
}

void axpy(float a, const float* x, float* y, int n) {
#ifdef CE_X86
  if (avx2()) return axpy_avx2(a, x, y, n);
#endif
  axpy_portable(a, x, y, n);
}

class CachedAttention : public mx::UnaryPrimitive {
 public:
  CachedAttention(mx::Stream stream, int start, float scale) : mx::UnaryPrimitive(stream), start_(start), scale_(scale) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    const mx::array &q = inputs[0], &k = inputs[1], &v = inputs[2];
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    encoder.set_input_array(q);
    encoder.set_input_array(k);
    encoder.set_input_array(v);
    encoder.set_output_array(out);
    const int H = q.shape(1), L = q.shape(2), D = q.shape(3), KV = k.shape(1), capacity = k.shape(2);
    encoder.dispatch([qp = q.data<float>(), kp = k.data<float>(), vp = v.data<float>(), op = out.data<float>(), H, KV,
                      L, D, capacity, start = start_, scale = scale_]() {
      attend_cpu(qp, kp, vp, op, H, KV, L, D, capacity, start, scale);
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[CachedAttention] has no GPU implementation");  // the op picks MLX's on GPU
  }

  const char* name() const override { return "CompilerExpertCachedAttention"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const CachedAttention&>(other);
    return o.start_ == start_ && o.scale_ == scale_;
  }

 private:
  int start_;
  float scale_;
};

}  // namespace

void attend_cpu(const float* q, const float* k, const float* v, float* out, int H, int KV, int L, int D, int capacity,
            int start, float scale) {
  const int group = H / KV;
  parallel_for(H * L, [&](int begin, int end) {
    std::vector<float> p(static_cast<size_t>(start + L));
    for (int task = begin; task < end; ++task) {
      const int h = task / L, i = task % L, kv = h / group;
      const int n = start + i + 1;  // causal: keys 0..start+i
      const float* qi = q + (static_cast<size_t>(h) * L + i) * D;
      const float* kh = k + static_cast<size_t>(kv) * capacity * D;
      const float* vh = v + static_cast<size_t>(kv) * capacity * D;
      float m = -INFINITY;
      for (int j = 0; j < n; ++j) m = std::max(m, p[j] = scale * dot(qi, kh + static_cast<size_t>(j) * D, D));
      float z = 0;
      for (int j = 0; j < n; ++j) z += p[j] = std::exp(p[j] - m);
      float* o = out + (static_cast<size_t>(h) * L + i) * D;
      std::fill(o, o + D, 0.0f);
      const float inv = 1.0f / z;
      for (int j = 0; j < n; ++j) axpy(p[j] * inv, vh + static_cast<size_t>(j) * D, o, D);
    }
  });
}

mx::array cached_attention(const mx::array& q, const mx::array& keys, const mx::array& values, int start, float scale,
                           mx::StreamOrDevice s) {
  const mx::Stream stream = mx::to_stream(s);
  const int H = q.shape(1), L = q.shape(2), D = q.shape(3), KV = keys.shape(1);
  const bool ours = stream.device == mx::Device::cpu && q.dtype() == mx::float32 && keys.dtype() == mx::float32 &&
                    values.dtype() == mx::float32 && H % KV == 0 && start + L <= keys.shape(2);
  if (!ours) {
    const mx::Shape end = {1, KV, start + L, D};
    return mx::fast::scaled_dot_product_attention(q, mx::slice(keys, {0, 0, 0, 0}, end, s),
                                                  mx::slice(values, {0, 0, 0, 0}, end, s), scale,
                                                  L > 1 ? "causal" : "", {}, {}, false, s);
  }
  return mx::array(q.shape(), mx::float32, std::make_shared<CachedAttention>(stream, start, scale),
                   {mx::contiguous(q, false, stream), mx::contiguous(keys, false, stream),
                    mx::contiguous(values, false, stream)});
}

}  // namespace ce::kernels
