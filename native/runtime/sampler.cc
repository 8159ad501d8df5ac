#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace ce {

// Tokens this far below the best logit (after temperature) are left out before sorting:
// their weight is below e^-30 of the best token's, so all of them together (even 150k of
// them) hold less than 2e-8 of the probability, while sorting only the rest turns a full
// sort of the vocabulary (~10 ms for 150k ids, per candidate, per step) into one of a few
// hundred ids.
constexpr double kNegligible = 30.0;

int sample_token(const float* logits, int n, const SamplingParams& p, std::mt19937_64& rng) {
  if (p.temperature <= 0.0f) return static_cast<int>(std::max_element(logits, logits + n) - logits);
  const float best = *std::max_element(logits, logits + n);
  const float floor = best - static_cast<float>(kNegligible * p.temperature);
  std::vector<int> idx;
  idx.reserve(1024);
  for (int i = 0; i < n; ++i)
    if (logits[i] >= floor) idx.push_back(i);
  const int count = static_cast<int>(idx.size());
  const auto by_logit = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  int keep = count;
  if (p.top_k > 0 && p.top_k < count) {
    std::partial_sort(idx.begin(), idx.begin() + p.top_k, idx.end(), by_logit);
    keep = p.top_k;
  } else {
    std::sort(idx.begin(), idx.end(), by_logit);
  }
  // Softmax over the kept candidates, in descending order of logit.
  std::vector<double> prob(keep);
  const double top = logits[idx[0]];
  double sum = 0;
  for (int i = 0; i < keep; ++i) sum += prob[i] = std::exp((logits[idx[i]] - top) / p.temperature);
  if (p.top_p < 1.0f) {
    double acc = 0;
    int cut = keep;
    for (int i = 0; i < keep; ++i) {
      acc += prob[i] / sum;
      if (acc >= p.top_p) {
        cut = i + 1;
        break;
      }
    }
    keep = cut;
    sum = std::accumulate(prob.begin(), prob.begin() + keep, 0.0);
  }
  if (p.min_p > 0.0f) {
    // prob[0] is the most likely token's (unnormalised) probability, and prob descends.
    int cut = 1;
    while (cut < keep && prob[cut] >= p.min_p * prob[0]) ++cut;
    keep = cut;
    sum = std::accumulate(prob.begin(), prob.begin() + keep, 0.0);
  }
  std::uniform_real_distribution<double> uniform(0.0, sum);
  double r = uniform(rng);
  for (int i = 0; i < keep; ++i) {
    r -= prob[i];
    if (r <= 0) return idx[i];
  }
  return idx[keep - 1];
}

}  // namespace ce
