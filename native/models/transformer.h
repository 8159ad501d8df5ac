// A decoder-only transformer of the Llama family (Llama, SmolLM2, Qwen2/2.5, Qwen3).
// Each architecture is described once, in TypeScript (lib/runtime/architectures/):
// that description becomes this config (dimensions plus the flags of the parts a block
// adds to the Llama block) and maps its tensor names to GGUF-style names, so the
// forward pass here has one shape, switched by those flags, for every architecture.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "loader/file_rows.h"
#include "loader/tensor_store.h"
#include "mlx/mlx.h"
#include "models/cache_pool.h"

namespace ce {

struct ModelConfig {
  std::string architecture;
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  float rope_theta = 10000.0f;
  // GGUF Llama checkpoints permute Q/K so rotary pairs are adjacent ("traditional");
  // Hugging Face and Qwen2 use the split-halves form.
  bool rope_traditional = false;
  // Per-head RMSNorm of queries and keys before RoPE (Qwen3): blk.N.attn_q_norm /
  // attn_k_norm, head_dim values each, shared by every head.
  bool qk_norm = false;
  float rms_norm_eps = 1e-5f;
  int max_context = 2048;
  // Keep the KV cache float32 where it could be float16 (see Transformer::kv_dtype).
  bool float32_cache = false;
  // Kernel threads for this model's work (0: all of the pool's). Not architecture: the
  // addon applies it (kernels::set_call_threads) before running anything of this model.
  int threads = 0;
  // Run exactly what a GPU stream runs, on any device: stock MLX ops for every layer
  // (no one-op CPU layer), stock quantized_matmul, stock attention, K-quants converted to
  // MLX's affine groups at load. Chosen per model (loadModel's `path: 'mlx'`).
  bool stock_mlx = false;
};

struct Block {
  mx::array attn_norm{0.0f}, ffn_norm{0.0f};
  Linear q, k, v, o, gate, up, down;
  // With ModelConfig::qk_norm: the per-head query and key norm weights [head_dim].
  std::optional<mx::array> q_norm, k_norm;
  // q|k|v and gate|up as one matrix each when their formats match (then the parts
  // above are empty): one kernel call instead of several per step.
  std::optional<Linear> qkv, gate_up;
  // Runs as one op (models/cpu_layer.h): CPU stream, every projection on our kernels.
  bool one_op = false;
};

// Keys and values of every layer for one sequence, grown in steps so most
// appends write in place; `offset` is how many positions are valid.
struct KVCache {
  std::vector<mx::array> keys, values;
  int offset = 0;
  int capacity = 0;
  void clear();
};

class Transformer {
 public:
  Transformer(ModelConfig config, TensorStore& store);

  const ModelConfig& config() const { return config_; }
  uint64_t weight_bytes() const { return weight_bytes_; }
  // Weight bytes one decoded token reads: every block and the output projection
  // (the embedding table only when it doubles as the output; a lookup reads a row).
  uint64_t decode_bytes() const { return decode_bytes_; }

  // Runs `tokens` at positions cache.offset.. and appends their keys/values.
  // Returns float32 logits of the last position, shape [vocab]. For each layer l
  // in `capture_layers` (0 = embeddings, l = output of block l), the hidden states
  // at chunk positions `capture_positions` are appended to `captured` as
  // [positions, hidden] arrays.
  mx::array forward(const std::vector<int>& tokens, KVCache& cache,
                    const std::vector<int>& capture_layers = {},
                    const std::vector<int>& capture_positions = {},
                    std::vector<mx::array>* captured = nullptr) const;

  // One new token for each of N sequences in one pass: tokens[i] at position
  // caches[i]->offset of caches[i] (sequences of any lengths). The projections read
  // each weight once for all N; attention runs per sequence on its own cache. Returns
  // float32 logits [N, vocab]; `captured` gets one [N, hidden] array per layer of
  // `capture_layers` (sorted, as in forward).
  mx::array forward_batch(const std::vector<int>& tokens, const std::vector<KVCache*>& caches,
                          const std::vector<int>& capture_layers = {},
                          std::vector<mx::array>* captured = nullptr) const;

  // A deep copy of a cache (the CPU layers write caches in place, so no buffer may be
  // shared between sequences), into buffers that dead forks left (see CachePool).
  KVCache copy_cache(const KVCache& cache) const;

  // Bytes of dead forks' cache buffers kept for the next forks.
  uint64_t fork_pool_bytes() const { return fork_pool_->kept_bytes(); }

  // Bytes a cache holds (all layers, keys and values, its whole capacity).
  uint64_t cache_bytes(const KVCache& cache) const;

  // Final norm + output projection of a [n, hidden] batch of hidden states.
  mx::array logits_from_hidden(const mx::array& hidden) const;

  KVCache make_cache() const;

  // The cache's element type: float16 when every layer runs as one CPU op and the CPU
  // converts halves in hardware (half the memory and the attention reads; llama.cpp's
  // default too), else float32.
  mx::Dtype kv_dtype() const { return kv_dtype_; }

 private:
  mx::array attention(const Block& b, const mx::array& x, const std::vector<KVCache*>& caches,
                      const std::vector<int>& rows, int layer) const;
  mx::array embed(const std::vector<int>& tokens) const;
  // One layer on the MLX-op path (GPU streams, dense weights): see attention().
  mx::array mlx_layer(const Block& b, const mx::array& h, const std::vector<KVCache*>& caches,
                      const std::vector<int>& rows, int layer) const;
  void reserve(KVCache& cache, int needed) const;

  ModelConfig config_;
  Linear embed_;  // empty when embed_rows_ reads the table from the file
  std::unique_ptr<FileRows> embed_rows_;
  std::vector<Block> blocks_;
  mx::array out_norm_{0.0f};
  Linear output_;
  uint64_t weight_bytes_ = 0;
  uint64_t decode_bytes_ = 0;
  mx::Dtype kv_dtype_ = mx::float32;
  std::shared_ptr<CachePool> fork_pool_;
};

}  // namespace ce
