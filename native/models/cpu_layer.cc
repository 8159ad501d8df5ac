#include "models/cpu_layer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "kernels/attention.h"
#include "kernels/cpu_kernels.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"

namespace ce {

namespace {

bool on_our_kernels(const Linear& l) {
  if (l.kquant) return kernels::kquant_supported(l.kquant) && l.weight.dtype() == mx::uint8;
  return l.quantized() && l.group == kernels::kAffineGroup && (l.bits == 4 || l.bits == 8) &&
         l.scales->dtype() == l.biases->dtype() && (l.scales->dtype() == mx::float16 || l.scales->dtype() == mx::float32);
}

int64_t in_features(const Linear& l) {
  if (l.kquant) return l.weight.shape(1) / kernels::kquant_row_bytes(l.kquant, kernels::kSuperBlock) * kernels::kSuperBlock;
  return static_cast<int64_t>(l.weight.shape(1)) * 32 / l.bits;
}

// y[M, N] = x[M, K] W^T (+ bias) on our kernels.
void linear(const Linear& l, const float* x, float* y, int M) {
  const int N = static_cast<int>(l.out_features()), K = static_cast<int>(in_features(l));
  if (l.kquant) {
    kernels::kquant_linear_cpu(x, l.weight.data<uint8_t>(), l.kquant, y, M, N, K);
  } else {
    kernels::quantized_linear_cpu(x, l.weight.data<uint32_t>(), l.scales->data<void>(), l.biases->data<void>(),
                                  l.scales->dtype() == mx::float16, y, M, N, K, l.group, l.bits);
  }
  if (l.bias) {
    const float* b = l.bias->data<float>();
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) y[static_cast<size_t>(m) * N + n] += b[n];
  }
}

void rms_norm(const float* x, const float* w, float eps, float* y, int M, int H) {
  for (int m = 0; m < M; ++m) {
    const float* xm = x + static_cast<size_t>(m) * H;
    float ss = 0;
    for (int i = 0; i < H; ++i) ss += xm[i] * xm[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(H) + eps);
    float* ym = y + static_cast<size_t>(m) * H;
    for (int i = 0; i < H; ++i) ym[i] = xm[i] * inv * w[i];
  }
}

// Rotary embedding of `heads` heads of one position, in place. GGUF Llama files pair
// adjacent values ("traditional"); Qwen2 and Hugging Face pair i with i + D/2.
void rope(float* x, int heads, int D, int pos, float theta, bool traditional) {
  const int half = D / 2;
  for (int i = 0; i < half; ++i) {
    const double angle = pos * std::pow(static_cast<double>(theta), -2.0 * i / D);
    const float c = static_cast<float>(std::cos(angle)), s = static_cast<float>(std::sin(angle));
    for (int h = 0; h < heads; ++h) {
      float* v = x + h * D;
      const int a = traditional ? 2 * i : i, b = traditional ? 2 * i + 1 : i + half;
      const float x0 = v[a], x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
    }
  }
}

// A layer's intermediate buffers, kept per thread (layers run on MLX's stream thread)
// and grown as needed: a decode step allocates nothing, so the allocator's arenas do
// not churn through a few hundred short-lived blocks per token.
float* scratch(int slot, size_t n) {
  thread_local std::vector<float> buffers[8];
  std::vector<float>& b = buffers[slot];
  if (b.size() < n) b.resize(n);
  return b.data();
}

// A new key or value row into the cache, as float32 or as float16 bits.
void store_row(const float* x, float* dst, int n) { std::copy_n(x, n, dst); }
void store_row(const float* x, uint16_t* dst, int n) { kernels::to_half(x, dst, n); }

// Runs one layer for L positions: see cpu_layer.h. Cache is float or uint16_t (float16).
template <typename Cache>
void run_layer(const Block& b, const ModelConfig& c, const float* h, float* out, Cache* keys, Cache* values,
               int capacity, int L, int start) {
  const int H = c.hidden_size, D = c.head_dim, I = c.intermediate_size;
  const int q_cols = c.num_heads * D, kv_cols = c.num_kv_heads * D, qkv_cols = q_cols + 2 * kv_cols;
  const size_t rows = static_cast<size_t>(L);
  float* n = scratch(0, rows * H);
  float* qkv = scratch(1, rows * qkv_cols);
  rms_norm(h, b.attn_norm.data<float>(), c.rms_norm_eps, n, L, H);
  if (b.qkv) {
    linear(*b.qkv, n, qkv, L);
  } else {  // separate projections, packed the way the fused one lays its columns out
    const Linear* parts[3] = {&b.q, &b.k, &b.v};
    const int cols[3] = {q_cols, kv_cols, kv_cols}, at[3] = {0, q_cols, q_cols + kv_cols};
    float* y = scratch(2, rows * q_cols);
    for (int p = 0; p < 3; ++p) {
      linear(*parts[p], n, y, L);
      for (size_t m = 0; m < rows; ++m) std::copy_n(y + m * cols[p], cols[p], qkv + m * qkv_cols + at[p]);
    }
  }
  // Rotary embedding, new keys and values into the cache, queries as [heads, L, D].
  float* q = scratch(3, rows * q_cols);
  float* att = scratch(4, rows * q_cols);
  for (int m = 0; m < L; ++m) {
    float* row = qkv + m * static_cast<size_t>(qkv_cols);
    const int pos = start + m;
    rope(row, c.num_heads, D, pos, c.rope_theta, c.rope_traditional);
    rope(row + q_cols, c.num_kv_heads, D, pos, c.rope_theta, c.rope_traditional);
    for (int head = 0; head < c.num_heads; ++head) std::copy_n(row + head * D, D, q + (static_cast<size_t>(head) * L + m) * D);
    for (int kv = 0; kv < c.num_kv_heads; ++kv) {
      const size_t at = (static_cast<size_t>(kv) * capacity + pos) * D;
      store_row(row + q_cols + kv * D, keys + at, D);
      store_row(row + q_cols + kv_cols + kv * D, values + at, D);
    }
  }
  kernels::attend_cpu(q, keys, values, att, c.num_heads, c.num_kv_heads, L, D, capacity, start,
                      1.0f / std::sqrt(static_cast<float>(D)));
  // Heads back to [L, heads * D] (reusing q), output projection, residual.
  for (int head = 0; head < c.num_heads; ++head)
    for (int m = 0; m < L; ++m)
      std::copy_n(att + (static_cast<size_t>(head) * L + m) * D, D, q + m * static_cast<size_t>(q_cols) + head * D);
  linear(b.o, q, out, L);
  for (size_t i = 0; i < rows * H; ++i) out[i] += h[i];
  // Feed-forward: SiLU(gate) * up, down projection, residual.
  rms_norm(out, b.ffn_norm.data<float>(), c.rms_norm_eps, n, L, H);
  float* gu = scratch(5, rows * 2 * I);
  float* act = scratch(6, rows * I);
  if (b.gate_up) {
    linear(*b.gate_up, n, gu, L);
  } else {  // gate into act, up into the scratch after it, then interleave per row
    float* up = scratch(7, rows * I);
    linear(b.gate, n, act, L);
    linear(b.up, n, up, L);
    for (size_t m = 0; m < rows; ++m) {
      std::copy_n(act + m * I, I, gu + m * 2 * I);
      std::copy_n(up + m * I, I, gu + m * 2 * I + I);
    }
  }
  for (size_t m = 0; m < rows; ++m) {
    const float* g = gu + m * 2 * I;
    float* a = act + m * I;
    for (int i = 0; i < I; ++i) a[i] = g[i] / (1.0f + std::exp(-g[i])) * g[I + i];
  }
  float* down = scratch(2, rows * std::max(H, q_cols));
  linear(b.down, act, down, L);
  for (size_t i = 0; i < rows * H; ++i) out[i] += down[i];
}

class CpuLayer : public mx::UnaryPrimitive {
 public:
  CpuLayer(mx::Stream stream, const Block& block, const ModelConfig& config, int start)
      : mx::UnaryPrimitive(stream), block_(block), config_(config), start_(start) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    const mx::array &h = inputs[0], &keys = inputs[1], &values = inputs[2];
    if (!keys.flags().row_contiguous || !values.flags().row_contiguous)
      throw std::runtime_error("[CpuLayer] the cache buffers must be row-contiguous");
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    encoder.set_input_array(h);
    encoder.set_input_array(keys);
    encoder.set_input_array(values);
    encoder.set_output_array(out);
    // The cache is written in place: the session owns it, and each step is evaluated
    // before the next one is built, so nothing else reads these positions meanwhile.
    const auto run = [&](auto* kp, auto* vp) {
      encoder.dispatch([&block = block_, &config = config_, hp = h.data<float>(), op = out.data<float>(), kp, vp,
                        capacity = keys.shape(2), L = h.shape(1), start = start_]() {
        run_layer(block, config, hp, op, kp, vp, capacity, L, start);
      });
    };
    if (keys.dtype() == mx::float16)
      run(const_cast<uint16_t*>(reinterpret_cast<const uint16_t*>(keys.data<mx::float16_t>())),
          const_cast<uint16_t*>(reinterpret_cast<const uint16_t*>(values.data<mx::float16_t>())));
    else
      run(const_cast<float*>(keys.data<float>()), const_cast<float*>(values.data<float>()));
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[CpuLayer] is CPU only");  // cpu_layer_supported() keeps GPU streams away
  }

  const char* name() const override { return "CompilerExpertCpuLayer"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const CpuLayer&>(other);
    return &o.block_ == &block_ && o.start_ == start_;
  }

 private:
  const Block& block_;
  const ModelConfig& config_;
  int start_;
};

bool stock_mlx_only() {
  static const bool yes = std::getenv("COMPILER_EXPERT_STOCK_MLX") != nullptr;
  return yes;
}

}  // namespace

bool cpu_layer_supported(const Block& b, const mx::Stream& stream) {
  if (stream.device != mx::Device::cpu || stock_mlx_only()) return false;
  const auto ours = [](const std::optional<Linear>& fused, std::initializer_list<const Linear*> parts) {
    if (fused) return on_our_kernels(*fused);
    for (const Linear* l : parts)
      if (!on_our_kernels(*l)) return false;
    return true;
  };
  return ours(b.qkv, {&b.q, &b.k, &b.v}) && on_our_kernels(b.o) && ours(b.gate_up, {&b.gate, &b.up}) &&
         on_our_kernels(b.down) && b.attn_norm.dtype() == mx::float32 && b.ffn_norm.dtype() == mx::float32;
}

mx::array cpu_layer(const Block& b, const ModelConfig& c, const mx::array& h, const mx::array& keys,
                    const mx::array& values, int start) {
  const mx::Stream stream = mx::default_stream(mx::Device::cpu);
  const bool cache_ok = (keys.dtype() == mx::float32 || keys.dtype() == mx::float16) && values.dtype() == keys.dtype();
  if (h.dtype() != mx::float32 || h.ndim() != 3 || !cache_ok || keys.shape(2) < start + h.shape(1))
    throw std::invalid_argument("[cpu_layer] float32 hidden states and a float32 or float16 cache with room for them");
  return mx::array(h.shape(), mx::float32, std::make_shared<CpuLayer>(stream, b, c, start),
                   {mx::contiguous(h, false, stream), keys, values});
}

}  // namespace ce
