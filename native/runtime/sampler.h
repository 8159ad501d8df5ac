// Picks the next token from a row of logits: greedy, or temperature with top-k,
// top-p (nucleus) and min-p filtering, driven by a seeded per-session generator so a
// seed reproduces a generation exactly. Order (Hugging Face's): temperature, then
// top-k, then top-p on the tempered probabilities, then min-p (keep tokens with at
// least min_p times the most likely token's probability).
#pragma once

#include <cstdint>
#include <random>

namespace ce {

struct SamplingParams {
  float temperature = 0.0f;  // <= 0 means greedy
  int top_k = 0;             // 0 = no limit
  float top_p = 1.0f;        // 1 = no limit
  float min_p = 0.0f;        // 0 = no limit
};

int sample_token(const float* logits, int n, const SamplingParams& params, std::mt19937_64& rng);

}  // namespace ce
