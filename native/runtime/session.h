// One sequence being generated: its tokens, its KV cache and the logits that
// predict the next token. Every method runs on the MLX thread (see addon/).
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "models/transformer.h"
#include "runtime/sampler.h"

namespace ce {

struct StepResult {
  int token = 0;
  // Hidden states of the requested layers at the new token's position,
  // layer-major: [layers][hidden].
  std::vector<float> hidden;
};

class Session {
 public:
  Session(std::shared_ptr<const Transformer> model, int context_length, uint64_t seed);

  // A new session holding this one's tokens, logits and a copy of its KV cache (nothing
  // is recomputed); independent from then on. Its random stream starts from `seed`, or,
  // without one, from a seed derived from this session's seed and the fork's index.
  std::unique_ptr<Session> fork(std::optional<uint64_t> seed);

  // One new token for each session, in one forward pass (see Transformer::forward_batch).
  // Everything is checked before anything changes: on an error no session has moved.
  static std::vector<StepResult> step_batch(const std::vector<Session*>& sessions,
                                            const std::vector<SamplingParams>& params,
                                            const std::vector<int>& capture_layers);

  int length() const { return static_cast<int>(tokens_.size()); }
  int context_length() const { return context_length_; }
  const std::vector<int>& tokens() const { return tokens_; }

  // Appends tokens to the cache (prefill and inject are the same operation: only
  // the new tokens are computed), in chunks to bound memory.
  void append(const std::vector<int>& tokens);
  // Samples the next token from the current logits, appends it, and returns it
  // with the hidden states of `capture_layers` at its position.
  StepResult step(const SamplingParams& params, const std::vector<int>& capture_layers);
  // Drops the last n tokens.
  void rewind(int n);
  // Hidden states [layers][positions][hidden] of already-seen positions, recomputed
  // on a scratch cache (the session's own cache is untouched).
  std::vector<float> hidden_states(const std::vector<int>& layers, const std::vector<int>& positions) const;
  // Logits predicting the token after the last one.
  std::vector<float> logits() const;
  // Restarts the random stream from `seed`; later steps advance it.
  void reseed(uint64_t seed);
  const Transformer& model() const { return *model_; }
  // Bytes of the KV cache (its whole capacity).
  uint64_t cache_bytes() const { return model_->cache_bytes(cache_); }
  void clear();

 private:
  void check_room(size_t extra) const;
  void validate_layers(const std::vector<int>& layers) const;
  // The hidden states of `capture_layers` at row `row` of `captured` ([rows, hidden] arrays
  // in sorted layer order), in the caller's order.
  std::vector<float> gather_hidden(const std::vector<int>& capture_layers, const std::vector<mx::array>& captured,
                                   int row) const;

  std::shared_ptr<const Transformer> model_;
  int context_length_;
  KVCache cache_;
  std::vector<int> tokens_;
  std::optional<mx::array> logits_;
  std::mt19937_64 rng_;
  uint64_t seed_;
  uint64_t forks_ = 0;  // forks made so far: the index of the next one
};

}  // namespace ce
