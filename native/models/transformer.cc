#include "models/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/errors.h"
#include "common/profile.h"
#include "kernels/attention.h"
#include "kernels/cpu_kernels.h"
#include "kernels/thread_pool.h"
#include "models/cpu_layer.h"

namespace ce {

namespace {

// KV storage grows in steps of this many positions (as mlx-lm does), so a decode
// step writes into spare room instead of reallocating.
constexpr int kCacheStep = 256;

// Dead forks' cache buffers kept for the next forks: eight forks of the coder model's
// 1,024-position caches (28 MiB each).
constexpr size_t kForkPoolBytes = size_t{256} << 20;

uint64_t nbytes(const Linear& l) {
  uint64_t n = l.weight.nbytes();
  for (const auto* a : {&l.scales, &l.biases, &l.bias})
    if (*a) n += (*a)->nbytes();
  return n;
}

// Projections of the same input stored as one matrix (rows stacked) when they share
// a quantized format, so a step quantises the input and dispatches the thread pool
// once; their outputs are column ranges of the result. Each fusion is evaluated at
// once so loading never holds a second copy of more than one layer.
std::optional<Linear> fuse(const std::vector<const Linear*>& parts) {
  const Linear& first = *parts.front();
  if (!first.quantized() && !first.kquant) return std::nullopt;
  const auto same_dtype = [](const std::optional<mx::array>& a, const std::optional<mx::array>& b) {
    return a.has_value() == b.has_value() && (!a || a->dtype() == b->dtype());
  };
  for (const Linear* l : parts) {
    if (l->bits != first.bits || l->group != first.group || l->kquant != first.kquant ||
        l->weight.dtype() != first.weight.dtype() || l->weight.shape(1) != first.weight.shape(1) ||
        !same_dtype(l->scales, first.scales) || !same_dtype(l->biases, first.biases) || !same_dtype(l->bias, first.bias))
      return std::nullopt;
  }
  auto stack = [&](auto member) {
    std::vector<mx::array> arrays;
    for (const Linear* l : parts) arrays.push_back(*member(*l));
    return mx::concatenate(arrays, 0);
  };
  Linear f;
  f.bits = first.bits;
  f.group = first.group;
  f.kquant = first.kquant;
  f.stock = first.stock;
  f.weight = stack([](const Linear& l) { return std::optional<mx::array>(l.weight); });
  std::vector<mx::array> all = {f.weight};
  for (auto member : {&Linear::scales, &Linear::biases, &Linear::bias}) {
    if (!(first.*member)) continue;
    f.*member = stack([member](const Linear& l) { return l.*member; });
    all.push_back(*(f.*member));
  }
  mx::eval(all);
  return f;
}

// Column ranges [from, to) of the last axis of a [1, L, N] projection.
mx::array columns(const mx::array& y, int from, int to) {
  return mx::slice(y, {0, 0, from}, {1, y.shape(1), to});
}

void check_rows(const Linear& l, int64_t rows, const std::string& name) {
  if (l.out_features() != rows)
    throw Error(codes::kModelFormat, "[load] " + name + " has " + std::to_string(l.out_features()) +
                                         " rows, expected " + std::to_string(rows));
}

}  // namespace

void KVCache::clear() {
  keys.clear();
  values.clear();
  offset = 0;
  capacity = 0;
}

Transformer::Transformer(ModelConfig config, TensorStore& store)
    : config_(std::move(config)), fork_pool_(CachePool::create(kForkPoolBytes)) {
  const auto& c = config_;
  if (c.num_layers <= 0 || c.hidden_size <= 0 || c.num_heads <= 0 || c.num_kv_heads <= 0 ||
      c.head_dim <= 0 || c.vocab_size <= 0 || c.intermediate_size <= 0 || c.num_heads % c.num_kv_heads != 0)
    throw Error(codes::kModelFormat, "[load] inconsistent model dimensions");
  out_norm_ = store.dense("output_norm.weight");
  // Tied embeddings (SmolLM2, small Qwen2) reuse the embedding matrix as output. An
  // untied one is only looked up: its rows are read from the file when needed.
  const bool tied = !store.has("output.weight");
  if (!tied) embed_rows_ = store.file_rows("token_embd");
  if (embed_rows_) {
    if (embed_rows_->rows() != c.vocab_size)
      throw Error(codes::kModelFormat, "[load] token_embd has " + std::to_string(embed_rows_->rows()) +
                                           " rows, expected " + std::to_string(c.vocab_size));
  } else {
    embed_ = store.linear("token_embd");
    check_rows(embed_, c.vocab_size, "token_embd");
  }
  output_ = tied ? embed_ : store.linear("output");
  check_rows(output_, c.vocab_size, "output");
  const int q_rows = c.num_heads * c.head_dim, kv_rows = c.num_kv_heads * c.head_dim;
  for (int i = 0; i < c.num_layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    Block b;
    b.attn_norm = store.dense(p + "attn_norm.weight");
    b.ffn_norm = store.dense(p + "ffn_norm.weight");
    if (c.qk_norm) {
      b.q_norm = store.dense(p + "attn_q_norm.weight");
      b.k_norm = store.dense(p + "attn_k_norm.weight");
      for (const auto* w : {&*b.q_norm, &*b.k_norm})
        if (w->ndim() != 1 || w->shape(0) != c.head_dim)
          throw Error(codes::kModelFormat, "[load] " + p + "attn_q_norm / attn_k_norm must hold head_dim (" +
                                               std::to_string(c.head_dim) + ") values");
    }
    b.q = store.linear(p + "attn_q");
    b.k = store.linear(p + "attn_k");
    b.v = store.linear(p + "attn_v");
    b.o = store.linear(p + "attn_output");
    b.gate = store.linear(p + "ffn_gate");
    b.up = store.linear(p + "ffn_up");
    b.down = store.linear(p + "ffn_down");
    check_rows(b.q, q_rows, p + "attn_q");
    check_rows(b.k, kv_rows, p + "attn_k");
    check_rows(b.v, kv_rows, p + "attn_v");
    check_rows(b.o, c.hidden_size, p + "attn_output");
    check_rows(b.gate, c.intermediate_size, p + "ffn_gate");
    check_rows(b.up, c.intermediate_size, p + "ffn_up");
    check_rows(b.down, c.hidden_size, p + "ffn_down");
    for (const Linear* l : {&b.q, &b.k, &b.v, &b.o, &b.gate, &b.up, &b.down}) weight_bytes_ += nbytes(*l);
    if ((b.qkv = fuse({&b.q, &b.k, &b.v}))) b.q = b.k = b.v = Linear{};
    if ((b.gate_up = fuse({&b.gate, &b.up}))) b.gate = b.up = Linear{};
    b.one_op = !config_.stock_mlx && cpu_layer_supported(b, mx::default_stream(mx::default_device()));
    blocks_.push_back(std::move(b));
  }
  if (!c.float32_cache && kernels::half_cache_is_fast() &&
      std::all_of(blocks_.begin(), blocks_.end(), [](const Block& b) { return b.one_op; }))
    kv_dtype_ = mx::float16;
  decode_bytes_ = weight_bytes_ + nbytes(output_);
  if (!embed_rows_) weight_bytes_ += nbytes(embed_);
  if (store.has("output.weight")) weight_bytes_ += nbytes(output_);
  // Materialise every weight now, on the loading thread, so the first generation
  // step does not pay for it and file errors surface here.
  std::vector<mx::array> all = {embed_.weight, out_norm_, output_.weight};
  for (auto& b : blocks_) {
    for (const Linear* l : {&b.q, &b.k, &b.v, &b.o, &b.gate, &b.up, &b.down}) {
      if (!l->quantized() && l->weight.ndim() == 0) continue;  // fused away
      all.push_back(l->weight);
      for (const auto* a : {&l->scales, &l->biases, &l->bias})
        if (*a) all.push_back(**a);
    }
    all.push_back(b.attn_norm);
    all.push_back(b.ffn_norm);
    if (b.q_norm) all.insert(all.end(), {*b.q_norm, *b.k_norm});
  }
  mx::eval(all);
}

KVCache Transformer::make_cache() const { return KVCache{}; }

void Transformer::reserve(KVCache& cache, int needed) const {
  if (needed <= cache.capacity) return;
  const auto& c = config_;
  const int grow = ((needed - cache.capacity + kCacheStep - 1) / kCacheStep) * kCacheStep;
  const mx::Shape extra = {1, c.num_kv_heads, grow, c.head_dim};
  for (int l = 0; l < c.num_layers; ++l) {
    mx::array zk = mx::zeros(extra, kv_dtype_), zv = mx::zeros(extra, kv_dtype_);
    if (cache.capacity == 0) {
      cache.keys.push_back(zk);
      cache.values.push_back(zv);
    } else {
      cache.keys[l] = mx::concatenate({cache.keys[l], zk}, 2);
      cache.values[l] = mx::concatenate({cache.values[l], zv}, 2);
    }
  }
  cache.capacity += grow;
}

mx::array Transformer::attention(const Block& b, const mx::array& x, const std::vector<KVCache*>& caches,
                                 const std::vector<int>& rows, int layer) const {
  const auto& c = config_;
  const int q_cols = c.num_heads * c.head_dim, kv_cols = c.num_kv_heads * c.head_dim;
  // Projections over every row at once (each weight read once for all sequences).
  std::optional<mx::array> qkv, qa, ka, va;
  if (b.qkv) {
    qkv = b.qkv->apply(x);
  } else {
    qa = b.q.apply(x);
    ka = b.k.apply(x);
    va = b.v.apply(x);
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  std::vector<mx::array> outs;
  int first = 0;
  for (size_t i = 0; i < caches.size(); ++i) {
    KVCache& cache = *caches[i];
    const int L = rows[i], start = cache.offset;
    // Rows first..first+L of columns [from, from + n * head_dim) as heads [1, n, L, D].
    auto heads = [&](const std::optional<mx::array>& own, int from, int n) {
      const mx::array& y = qkv ? *qkv : *own;
      const int at = qkv ? from : 0;
      const mx::array part = mx::slice(y, {0, first, at}, {1, first + L, at + n * c.head_dim});
      return mx::transpose(mx::reshape(part, {1, L, n, c.head_dim}), {0, 2, 1, 3});
    };
    mx::array q = heads(qa, 0, c.num_heads);
    mx::array k = heads(ka, q_cols, c.num_kv_heads);
    mx::array v = heads(va, q_cols + kv_cols, c.num_kv_heads);
    if (b.q_norm) {
      q = mx::fast::rms_norm(q, *b.q_norm, c.rms_norm_eps);
      k = mx::fast::rms_norm(k, *b.k_norm, c.rms_norm_eps);
    }
    q = mx::fast::rope(q, c.head_dim, c.rope_traditional, c.rope_theta, 1.0f, start);
    k = mx::fast::rope(k, c.head_dim, c.rope_traditional, c.rope_theta, 1.0f, start);
    const mx::Shape lo = {0, 0, start, 0}, hi = {1, c.num_kv_heads, start + L, c.head_dim};
    cache.keys[layer] = mx::slice_update(cache.keys[layer], k, lo, hi);
    cache.values[layer] = mx::slice_update(cache.values[layer], v, lo, hi);
    mx::array out = kernels::cached_attention(q, cache.keys[layer], cache.values[layer], start, scale, c.stock_mlx);
    outs.push_back(mx::reshape(mx::transpose(out, {0, 2, 1, 3}), {1, L, q_cols}));
    first += L;
  }
  return b.o.apply(outs.size() == 1 ? outs.front() : mx::concatenate(outs, 1));
}

mx::array Transformer::mlx_layer(const Block& b, const mx::array& h, const std::vector<KVCache*>& caches,
                                 const std::vector<int>& rows, int layer) const {
  const auto& c = config_;
  const mx::array a = mx::add(h, attention(b, mx::fast::rms_norm(h, b.attn_norm, c.rms_norm_eps), caches, rows, layer));
  const mx::array n = mx::fast::rms_norm(a, b.ffn_norm, c.rms_norm_eps);
  std::optional<mx::array> gate_up;
  if (b.gate_up) gate_up = b.gate_up->apply(n);
  const int I = c.intermediate_size;
  const mx::array g = gate_up ? columns(*gate_up, 0, I) : b.gate.apply(n);
  const mx::array u = gate_up ? columns(*gate_up, I, 2 * I) : b.up.apply(n);
  const mx::array act = mx::multiply(mx::multiply(g, mx::sigmoid(g)), u);
  return mx::add(a, b.down.apply(act));
}

mx::array Transformer::embed(const std::vector<int>& tokens) const {
  const auto& c = config_;
  for (int t : tokens)
    if (t < 0 || t >= c.vocab_size)
      throw Error(codes::kInvalidArgument, "[forward] token id " + std::to_string(t) + " is outside the vocabulary");
  const int L = static_cast<int>(tokens.size());
  mx::array ids(tokens.begin(), {L}, mx::int32);
  return mx::reshape(embed_rows_ ? embed_rows_->gather(tokens) : embed_.rows(ids), {1, L, c.hidden_size});
}

mx::array Transformer::forward(const std::vector<int>& tokens, KVCache& cache,
                               const std::vector<int>& capture_layers,
                               const std::vector<int>& capture_positions,
                               std::vector<mx::array>* captured) const {
  const auto& c = config_;
  const int L = static_cast<int>(tokens.size());
  if (L == 0) throw Error(codes::kInvalidArgument, "[forward] no tokens");
  mx::array h = embed(tokens);
  reserve(cache, cache.offset + L);
  std::optional<mx::array> positions;
  if (!capture_positions.empty())
    positions = mx::array(capture_positions.begin(), {static_cast<int>(capture_positions.size())}, mx::int32);
  auto capture = [&](int layer) {
    if (captured && std::find(capture_layers.begin(), capture_layers.end(), layer) != capture_layers.end())
      captured->push_back(mx::take(mx::reshape(h, {L, c.hidden_size}), *positions, 0));
  };
  capture(0);
  for (int l = 0; l < c.num_layers; ++l) {
    const Block& b = blocks_[l];
    if (b.one_op)
      h = cpu_layer(b, c, h, {LayerCache{cache.keys[l], cache.values[l], cache.offset, L}});
    else
      h = mlx_layer(b, h, {&cache}, {L}, l);
    capture(l + 1);
  }
  cache.offset += L;
  mx::array last = mx::slice(h, {0, L - 1, 0}, {1, L, c.hidden_size});
  return logits_from_hidden(mx::reshape(last, {1, c.hidden_size}));
}

mx::array Transformer::forward_batch(const std::vector<int>& tokens, const std::vector<KVCache*>& caches,
                                     const std::vector<int>& capture_layers,
                                     std::vector<mx::array>* captured) const {
  const auto& c = config_;
  const int N = static_cast<int>(tokens.size());
  if (N == 0 || caches.size() != tokens.size())
    throw Error(codes::kInvalidArgument, "[forward] one token per sequence, at least one sequence");
  mx::array h = embed(tokens);
  for (KVCache* cache : caches) reserve(*cache, cache->offset + 1);
  auto capture = [&](int layer) {
    if (captured && std::find(capture_layers.begin(), capture_layers.end(), layer) != capture_layers.end())
      captured->push_back(mx::reshape(h, {N, c.hidden_size}));
  };
  capture(0);
  const std::vector<int> ones(N, 1);
  for (int l = 0; l < c.num_layers; ++l) {
    const Block& b = blocks_[l];
    if (b.one_op) {
      std::vector<LayerCache> lcs;
      for (KVCache* cache : caches) lcs.push_back({cache->keys[l], cache->values[l], cache->offset, 1});
      h = cpu_layer(b, c, h, lcs);
    } else {
      h = mlx_layer(b, h, caches, ones, l);
    }
    capture(l + 1);
  }
  for (KVCache* cache : caches) cache->offset += 1;
  const mx::array logits = logits_from_hidden(mx::reshape(h, {N, c.hidden_size}));
  return mx::reshape(logits, {N, c.vocab_size});
}

KVCache Transformer::copy_cache(const KVCache& cache) const {
  CE_PROFILE("fork");
  KVCache out;
  out.offset = cache.offset;
  out.capacity = cache.capacity;
  mx::eval(cache.keys);
  mx::eval(cache.values);
  for (size_t l = 0; l < cache.keys.size(); ++l) {
    if (!cache.keys[l].flags().row_contiguous || !cache.values[l].flags().row_contiguous)
      throw Error(codes::kInternal, "[fork] a cache layer is not contiguous");
    out.keys.push_back(fork_pool_->take(cache.keys[l].shape(), cache.keys[l].dtype()));
    out.values.push_back(fork_pool_->take(cache.values[l].shape(), cache.values[l].dtype()));
  }
  // [1, KV heads, capacity, head dim]: per head, the valid positions are copied and the
  // rest zeroed (never read before a step writes it). A 1,000-token prefix in a
  // 1,024-row cache copies what it holds, at memcpy speed, on the pool's threads (one
  // core's stores did not reach the memory's write bandwidth); building arrays from
  // element iterators took ~30 ms on the coder model.
  CE_PROFILE("fork.copy");
  kernels::parallel_for(2 * static_cast<int>(cache.keys.size()), [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {  // layer i / 2, keys or values
      const mx::array& a = i % 2 ? cache.values[i / 2] : cache.keys[i / 2];
      const size_t row = static_cast<size_t>(a.shape(3)) * a.itemsize(), head = a.shape(2) * row,
                   used = static_cast<size_t>(cache.offset) * row;
      const auto* src = a.data<uint8_t>();
      auto* dst = (i % 2 ? out.values[i / 2] : out.keys[i / 2]).data<uint8_t>();
      for (int h = 0; h < a.shape(0) * a.shape(1); ++h) {
        std::memcpy(dst + h * head, src + h * head, used);
        std::memset(dst + h * head + used, 0, head - used);
      }
    }
  });
  return out;
}

uint64_t Transformer::cache_bytes(const KVCache& cache) const {
  uint64_t n = 0;
  for (size_t l = 0; l < cache.keys.size(); ++l) n += cache.keys[l].nbytes() + cache.values[l].nbytes();
  return n;
}

mx::array Transformer::logits_from_hidden(const mx::array& hidden) const {
  const mx::array n = mx::fast::rms_norm(hidden, out_norm_, config_.rms_norm_eps);
  mx::array logits = output_.apply(n);
  return hidden.shape(0) == 1 ? mx::reshape(logits, {config_.vocab_size}) : logits;
}

}  // namespace ce
