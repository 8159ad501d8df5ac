#include "runtime/session.h"

#include "common/profile.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "common/errors.h"

namespace ce {

namespace {
// Long prompts are computed this many tokens at a time: attention scores for a
// chunk are chunk x context, so this bounds peak memory.
constexpr int kPrefillChunk = 128;

void eval_step(mx::array& logits, KVCache& cache) {
  std::vector<mx::array> outputs = {logits};
  outputs.insert(outputs.end(), cache.keys.begin(), cache.keys.end());
  outputs.insert(outputs.end(), cache.values.begin(), cache.values.end());
  mx::eval(outputs);
}
}  // namespace

// splitmix64: a fork's seed from its parent's seed and its index, so siblings (and a
// parent and its forks) draw unrelated streams while every run reproduces.
static uint64_t derive_seed(uint64_t seed, uint64_t index) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Session::Session(std::shared_ptr<const Transformer> model, int context_length, uint64_t seed)
    : model_(std::move(model)), context_length_(context_length), rng_(seed), seed_(seed) {
  if (context_length_ <= 0 || context_length_ > model_->config().max_context)
    throw Error(codes::kInvalidArgument, "[session] contextLength must be in 1.." +
                                             std::to_string(model_->config().max_context));
}

void Session::check_room(size_t extra) const {
  if (tokens_.size() + extra > static_cast<size_t>(context_length_))
    throw Error(codes::kContextOverflow, "[session] " + std::to_string(tokens_.size()) + " + " +
                                             std::to_string(extra) + " tokens exceed the context length of " +
                                             std::to_string(context_length_));
}

void Session::validate_layers(const std::vector<int>& layers) const {
  for (int l : layers)
    if (l < 0 || l > model_->config().num_layers)
      throw Error(codes::kInvalidArgument, "[session] layer " + std::to_string(l) + " is outside 0.." +
                                               std::to_string(model_->config().num_layers));
}

void Session::append(const std::vector<int>& tokens) {
  if (tokens.empty()) throw Error(codes::kInvalidArgument, "[session] no tokens to append");
  check_room(tokens.size());
  const int vocab = model_->config().vocab_size;
  for (int t : tokens)
    if (t < 0 || t >= vocab)
      throw Error(codes::kInvalidArgument, "[session] token id " + std::to_string(t) + " is outside 0.." +
                                               std::to_string(vocab - 1));
  for (size_t i = 0; i < tokens.size(); i += kPrefillChunk) {
    const size_t end = std::min(tokens.size(), i + kPrefillChunk);
    std::vector<int> chunk(tokens.begin() + i, tokens.begin() + end);
    mx::array logits = model_->forward(chunk, cache_);
    eval_step(logits, cache_);
    logits_ = logits;
    tokens_.insert(tokens_.end(), chunk.begin(), chunk.end());
  }
}

void Session::reseed(uint64_t seed) {
  seed_ = seed;
  forks_ = 0;
  rng_.seed(seed);
}

std::unique_ptr<Session> Session::fork(std::optional<uint64_t> seed) {
  const uint64_t s = seed ? *seed : derive_seed(seed_, forks_);
  ++forks_;
  auto child = std::make_unique<Session>(model_, context_length_, s);
  child->cache_ = model_->copy_cache(cache_);
  child->tokens_ = tokens_;
  child->logits_ = logits_;  // never written in place: a step replaces the array
  return child;
}

std::vector<float> Session::gather_hidden(const std::vector<int>& capture_layers, const std::vector<mx::array>& captured,
                                          int row) const {
  std::vector<int> sorted(capture_layers.begin(), capture_layers.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  const int hidden = model_->config().hidden_size;
  std::vector<float> out(capture_layers.size() * hidden);
  for (size_t i = 0; i < capture_layers.size(); ++i) {
    const size_t k = std::lower_bound(sorted.begin(), sorted.end(), capture_layers[i]) - sorted.begin();
    std::memcpy(out.data() + i * hidden, captured[k].data<float>() + static_cast<size_t>(row) * hidden,
                hidden * sizeof(float));
  }
  return out;
}

std::vector<StepResult> Session::step_batch(const std::vector<Session*>& sessions,
                                            const std::vector<SamplingParams>& params,
                                            const std::vector<int>& capture_layers) {
  if (sessions.empty()) throw Error(codes::kInvalidArgument, "[batch] no sessions to step");
  if (params.size() != sessions.size())
    throw Error(codes::kInvalidArgument, "[batch] one set of sampling options per session");
  const Transformer* model = &sessions.front()->model();
  std::set<const Session*> seen;
  for (size_t i = 0; i < sessions.size(); ++i) {
    Session* s = sessions[i];
    const std::string who = "[batch] session " + std::to_string(i);
    if (&s->model() != model) throw Error(codes::kInvalidArgument, who + " belongs to another model");
    if (!seen.insert(s).second) throw Error(codes::kInvalidArgument, who + " appears twice in the batch");
    if (!s->logits_) throw Error(codes::kInvalidArgument, who + " has nothing to continue from: prefill first");
    if (s->length() + 1 > s->context_length_)
      throw Error(codes::kContextOverflow, who + " is full (" + std::to_string(s->length()) + " tokens, context length " +
                                               std::to_string(s->context_length_) + ")");
    s->validate_layers(capture_layers);
  }
  const int vocab = model->config().vocab_size;
  CE_PROFILE("step_batch");
  std::vector<int> tokens;
  std::vector<KVCache*> caches;
  for (size_t i = 0; i < sessions.size(); ++i) {
    CE_PROFILE("step_batch.sample");
    tokens.push_back(sample_token(sessions[i]->logits_->data<float>(), vocab, params[i], sessions[i]->rng_));
    caches.push_back(&sessions[i]->cache_);
  }
  std::vector<mx::array> captured;
  mx::array logits = model->forward_batch(tokens, caches, capture_layers, &captured);
  std::vector<mx::array> rows, outputs;
  for (int i = 0; i < static_cast<int>(sessions.size()); ++i)
    rows.push_back(mx::reshape(mx::slice(logits, {i, 0}, {i + 1, vocab}), {vocab}));
  outputs.insert(outputs.end(), rows.begin(), rows.end());
  outputs.insert(outputs.end(), captured.begin(), captured.end());
  for (KVCache* c : caches) {
    outputs.insert(outputs.end(), c->keys.begin(), c->keys.end());
    outputs.insert(outputs.end(), c->values.begin(), c->values.end());
  }
  {
    CE_PROFILE("step_batch.eval");
    mx::eval(outputs);
  }
  std::vector<StepResult> results(sessions.size());
  for (size_t i = 0; i < sessions.size(); ++i) {
    Session* s = sessions[i];
    s->logits_ = rows[i];
    s->tokens_.push_back(tokens[i]);
    results[i].token = tokens[i];
    if (!capture_layers.empty()) results[i].hidden = s->gather_hidden(capture_layers, captured, static_cast<int>(i));
  }
  return results;
}

StepResult Session::step(const SamplingParams& params, const std::vector<int>& capture_layers) {
  if (!logits_) throw Error(codes::kInvalidArgument, "[session] nothing to continue from: prefill first");
  validate_layers(capture_layers);
  check_room(1);
  const float* row = logits_->data<float>();
  StepResult r;
  r.token = sample_token(row, model_->config().vocab_size, params, rng_);
  std::vector<mx::array> captured;
  mx::array logits = model_->forward({r.token}, cache_, capture_layers, {0}, &captured);
  std::vector<mx::array> outputs = {logits};
  outputs.insert(outputs.end(), captured.begin(), captured.end());
  outputs.insert(outputs.end(), cache_.keys.begin(), cache_.keys.end());
  outputs.insert(outputs.end(), cache_.values.begin(), cache_.values.end());
  mx::eval(outputs);
  logits_ = logits;
  tokens_.push_back(r.token);
  // `captured` follows the order of layers in the forward pass; report it in the
  // caller's order.
  if (!capture_layers.empty()) r.hidden = gather_hidden(capture_layers, captured, 0);
  return r;
}

void Session::rewind(int n) {
  if (n < 0 || n > length())
    throw Error(codes::kInvalidArgument, "[session] cannot rewind " + std::to_string(n) + " of " +
                                             std::to_string(length()) + " tokens");
  if (n == 0) return;
  const int keep = length() - n;
  if (keep == 0) {
    clear();
    return;
  }
  // The logits after the new last token are not stored; recompute them by
  // re-running that one token over the kept prefix.
  const int last = tokens_[keep - 1];
  tokens_.resize(keep - 1);
  cache_.offset = keep - 1;
  append({last});
}

void Session::clear() {
  cache_.clear();
  tokens_.clear();
  logits_.reset();
}

std::vector<float> Session::hidden_states(const std::vector<int>& layers, const std::vector<int>& positions) const {
  validate_layers(layers);
  if (layers.empty() || positions.empty()) return {};
  for (int p : positions)
    if (p < 0 || p >= length())
      throw Error(codes::kInvalidArgument, "[session] position " + std::to_string(p) + " is outside 0.." +
                                               std::to_string(length() - 1));
  const int hidden = model_->config().hidden_size;
  std::vector<int> sorted_layers(layers);
  std::sort(sorted_layers.begin(), sorted_layers.end());
  sorted_layers.erase(std::unique(sorted_layers.begin(), sorted_layers.end()), sorted_layers.end());
  const int last = *std::max_element(positions.begin(), positions.end());
  std::vector<float> out(layers.size() * positions.size() * hidden);
  KVCache scratch = model_->make_cache();
  for (int start = 0; start <= last; start += kPrefillChunk) {
    const int end = std::min(last + 1, start + kPrefillChunk);
    std::vector<int> chunk(tokens_.begin() + start, tokens_.begin() + end);
    std::vector<int> rel, which;  // positions inside this chunk, and their index in `positions`
    for (size_t i = 0; i < positions.size(); ++i)
      if (positions[i] >= start && positions[i] < end) {
        rel.push_back(positions[i] - start);
        which.push_back(static_cast<int>(i));
      }
    std::vector<mx::array> captured;
    mx::array logits = model_->forward(chunk, scratch, rel.empty() ? std::vector<int>{} : sorted_layers,
                                       rel, &captured);
    std::vector<mx::array> outputs = {logits};
    outputs.insert(outputs.end(), captured.begin(), captured.end());
    outputs.insert(outputs.end(), scratch.keys.begin(), scratch.keys.end());
    outputs.insert(outputs.end(), scratch.values.begin(), scratch.values.end());
    mx::eval(outputs);
    if (rel.empty()) continue;
    for (size_t li = 0; li < layers.size(); ++li) {
      const size_t k = std::lower_bound(sorted_layers.begin(), sorted_layers.end(), layers[li]) - sorted_layers.begin();
      const float* src = captured[k].data<float>();
      for (size_t j = 0; j < rel.size(); ++j)
        std::memcpy(out.data() + (li * positions.size() + which[j]) * hidden, src + j * hidden,
                    hidden * sizeof(float));
    }
  }
  return out;
}

std::vector<float> Session::logits() const {
  if (!logits_) throw Error(codes::kInvalidArgument, "[session] no logits yet: prefill first");
  const float* p = logits_->data<float>();
  return std::vector<float>(p, p + model_->config().vocab_size);
}

}  // namespace ce
