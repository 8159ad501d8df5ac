#include "models/cpu_layer.h"
#include "common/op_counts.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "common/profile.h"
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

// One sequence's rows in a layer call: its cache buffers and where its rows go.
template <typename Cache>
struct Segment {
  Cache* keys;
  Cache* values;
  int capacity;
  int start;  // position of the segment's first row
  int rows;
};

// Runs one layer: see cpu_layer.h. The rows of every segment share each weight read of the
// projections (one matrix product over all rows); rotary positions, cache writes and
// attention are per segment, against that segment's own cache. Cache is float or uint16_t
// (float16).
template <typename Cache>
void run_layer(const Block& b, const ModelConfig& c, const float* h, float* out, const std::vector<Segment<Cache>>& segs) {
  const int H = c.hidden_size, D = c.head_dim, I = c.intermediate_size;
  const int q_cols = c.num_heads * D, kv_cols = c.num_kv_heads * D, qkv_cols = q_cols + 2 * kv_cols;
  int L = 0;
  for (const auto& s : segs) L += s.rows;
  const size_t rows = static_cast<size_t>(L);
  float* n = scratch(0, rows * H);
  float* qkv = scratch(1, rows * qkv_cols);
  CE_PROFILE("layer");
  rms_norm(h, b.attn_norm.data<float>(), c.rms_norm_eps, n, L, H);
  if (b.qkv) {
    CE_PROFILE("layer.qkv");
    linear(*b.qkv, n, qkv, L);
  } else {
    CE_PROFILE("layer.qkv");  // separate projections, packed the way the fused one lays its columns out
    const Linear* parts[3] = {&b.q, &b.k, &b.v};
    const int cols[3] = {q_cols, kv_cols, kv_cols}, at[3] = {0, q_cols, q_cols + kv_cols};
    float* y = scratch(2, rows * q_cols);
    for (int p = 0; p < 3; ++p) {
      linear(*parts[p], n, y, L);
      for (size_t m = 0; m < rows; ++m) std::copy_n(y + m * cols[p], cols[p], qkv + m * qkv_cols + at[p]);
    }
  }
  // Per segment: rotary embedding, new keys and values into its cache, queries as
  // [heads, rows, D] at the segment's first row, attention into the same layout.
  float* q = scratch(3, rows * q_cols);
  float* att = scratch(4, rows * q_cols);
  const float scale = 1.0f / std::sqrt(static_cast<float>(D));
  size_t first = 0;  // the segment's first row
  for (const auto& s : segs) {
    CE_PROFILE("layer.rope+attention");
    float* sq = q + first * q_cols;
    for (int m = 0; m < s.rows; ++m) {
      float* row = qkv + (first + m) * static_cast<size_t>(qkv_cols);
      const int pos = s.start + m;
      if (b.q_norm) {  // per head, in place, before the rotary embedding
        rms_norm(row, b.q_norm->data<float>(), c.rms_norm_eps, row, c.num_heads, D);
        rms_norm(row + q_cols, b.k_norm->data<float>(), c.rms_norm_eps, row + q_cols, c.num_kv_heads, D);
      }
      rope(row, c.num_heads, D, pos, c.rope_theta, c.rope_traditional);
      rope(row + q_cols, c.num_kv_heads, D, pos, c.rope_theta, c.rope_traditional);
      for (int head = 0; head < c.num_heads; ++head)
        std::copy_n(row + head * D, D, sq + (static_cast<size_t>(head) * s.rows + m) * D);
      for (int kv = 0; kv < c.num_kv_heads; ++kv) {
        const size_t at = (static_cast<size_t>(kv) * s.capacity + pos) * D;
        store_row(row + q_cols + kv * D, s.keys + at, D);
        store_row(row + q_cols + kv_cols + kv * D, s.values + at, D);
      }
    }
    kernels::attend_cpu(sq, s.keys, s.values, att + first * q_cols, c.num_heads, c.num_kv_heads, s.rows, D, s.capacity,
                        s.start, scale);
    first += s.rows;
  }
  // Heads back to [rows, heads * D] (reusing q), output projection, residual.
  first = 0;
  for (const auto& s : segs) {
    const float* sa = att + first * q_cols;
    for (int head = 0; head < c.num_heads; ++head)
      for (int m = 0; m < s.rows; ++m)
        std::copy_n(sa + (static_cast<size_t>(head) * s.rows + m) * D, D, q + (first + m) * q_cols + head * D);
    first += s.rows;
  }
  {
    CE_PROFILE("layer.o");
    linear(b.o, q, out, L);
  }
  for (size_t i = 0; i < rows * H; ++i) out[i] += h[i];
  // Feed-forward: SiLU(gate) * up, down projection, residual.
  rms_norm(out, b.ffn_norm.data<float>(), c.rms_norm_eps, n, L, H);
  float* gu = scratch(5, rows * 2 * I);
  float* act = scratch(6, rows * I);
  if (b.gate_up) {
    CE_PROFILE("layer.gate_up");
    linear(*b.gate_up, n, gu, L);
  } else {  // gate into act, up into the scratch after it, then interleave per row
    CE_PROFILE("layer.gate_up");
    float* up = scratch(7, rows * I);
    linear(b.gate, n, act, L);
    linear(b.up, n, up, L);
    for (size_t m = 0; m < rows; ++m) {
      std::copy_n(act + m * I, I, gu + m * 2 * I);
      std::copy_n(up + m * I, I, gu + m * 2 * I + I);
    }
  }
  {
  CE_PROFILE("layer.silu");
  kernels::silu_mul_cpu(gu, act, L, I);
  }
  float* down = scratch(2, rows * std::max(H, q_cols));
  {
    CE_PROFILE("layer.down");
    linear(b.down, act, down, L);
  }
  for (size_t i = 0; i < rows * H; ++i) out[i] += down[i];
}

// Inputs: h [1, rows, hidden], then keys and values of each sequence's cache. `starts` and
// `rows` describe the sequences in order (one sequence of L rows for a prefill chunk or a
// step; N sequences of one row each for a batched step).
class CpuLayer : public mx::UnaryPrimitive {
 public:
  CpuLayer(mx::Stream stream, const Block& block, const ModelConfig& config, std::vector<int> starts,
           std::vector<int> rows)
      : mx::UnaryPrimitive(stream), block_(block), config_(config), starts_(std::move(starts)), rows_(std::move(rows)) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    op_counts::bump(op_counts::kCpuLayer);
    const mx::array& h = inputs[0];
    for (size_t i = 1; i < inputs.size(); ++i)
      if (!inputs[i].flags().row_contiguous)
        throw std::runtime_error("[CpuLayer] the cache buffers must be row-contiguous");
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    for (const auto& a : inputs) encoder.set_input_array(a);
    encoder.set_output_array(out);
    // The caches are written in place: each session owns its own, and each step is
    // evaluated before the next one is built, so nothing else reads these positions meanwhile.
    const auto run = [&](auto tag) {
      using Cache = decltype(tag);
      std::vector<Segment<Cache>> segs;
      for (size_t i = 0; i < starts_.size(); ++i) {
        const mx::array &k = inputs[1 + 2 * i], &v = inputs[2 + 2 * i];
        segs.push_back({const_cast<Cache*>(static_cast<const Cache*>(k.data<void>())),
                        const_cast<Cache*>(static_cast<const Cache*>(v.data<void>())), static_cast<int>(k.shape(2)),
                        starts_[i], rows_[i]});
      }
      encoder.dispatch([&block = block_, &config = config_, hp = h.data<float>(), op = out.data<float>(),
                        segs = std::move(segs)]() { run_layer(block, config, hp, op, segs); });
    };
    if (inputs[1].dtype() == mx::float16)
      run(uint16_t{});
    else
      run(float{});
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[CpuLayer] is CPU only");  // cpu_layer_supported() keeps GPU streams away
  }

  const char* name() const override { return "CompilerExpertCpuLayer"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const CpuLayer&>(other);
    return &o.block_ == &block_ && o.starts_ == starts_ && o.rows_ == rows_;
  }

 private:
  const Block& block_;
  const ModelConfig& config_;
  std::vector<int> starts_, rows_;
};

}  // namespace

bool cpu_layer_supported(const Block& b, const mx::Stream& stream) {
  if (stream.device != mx::Device::cpu) return false;
  const auto ours = [](const std::optional<Linear>& fused, std::initializer_list<const Linear*> parts) {
    if (fused) return on_our_kernels(*fused);
    for (const Linear* l : parts)
      if (!on_our_kernels(*l)) return false;
    return true;
  };
  return ours(b.qkv, {&b.q, &b.k, &b.v}) && on_our_kernels(b.o) && ours(b.gate_up, {&b.gate, &b.up}) &&
         on_our_kernels(b.down) && b.attn_norm.dtype() == mx::float32 && b.ffn_norm.dtype() == mx::float32 &&
         (!b.q_norm || (b.q_norm->dtype() == mx::float32 && b.k_norm->dtype() == mx::float32));
}

mx::array cpu_layer(const Block& b, const ModelConfig& c, const mx::array& h, const std::vector<LayerCache>& caches) {
  const mx::Stream stream = mx::default_stream(mx::Device::cpu);
  if (h.dtype() != mx::float32 || h.ndim() != 3 || caches.empty())
    throw std::invalid_argument("[cpu_layer] float32 hidden states [1, rows, hidden] and at least one cache");
  std::vector<int> starts, rows;
  std::vector<mx::array> inputs = {mx::contiguous(h, false, stream)};
  int total = 0;
  const mx::Dtype dtype = caches.front().keys.dtype();
  for (const LayerCache& lc : caches) {
    const bool ok = (dtype == mx::float32 || dtype == mx::float16) && lc.keys.dtype() == dtype &&
                    lc.values.dtype() == dtype && lc.rows > 0 && lc.keys.shape(2) >= lc.start + lc.rows;
    if (!ok) throw std::invalid_argument("[cpu_layer] float32 or float16 caches with room for their rows");
    starts.push_back(lc.start);
    rows.push_back(lc.rows);
    inputs.push_back(lc.keys);
    inputs.push_back(lc.values);
    total += lc.rows;
  }
  if (total != h.shape(1)) throw std::invalid_argument("[cpu_layer] the caches' rows must add up to the hidden rows");
  return mx::array(h.shape(), mx::float32, std::make_shared<CpuLayer>(stream, b, c, std::move(starts), std::move(rows)),
                   std::move(inputs));
}

}  // namespace ce
