#include "runtime/session.h"

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

Session::Session(std::shared_ptr<const Transformer> model, int context_length, uint64_t seed)
    : model_(std::move(model)), context_length_(context_length), rng_(seed) {
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
  std::vector<int> sorted(capture_layers.begin(), capture_layers.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  const int hidden = model_->config().hidden_size;
  r.hidden.resize(capture_layers.size() * hidden);
  for (size_t i = 0; i < capture_layers.size(); ++i) {
    const size_t k = std::lower_bound(sorted.begin(), sorted.end(), capture_layers[i]) - sorted.begin();
    std::memcpy(r.hidden.data() + i * hidden, captured[k].data<float>(), hidden * sizeof(float));
  }
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
