#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace ce {

int sample_token(const float* logits, int n, const SamplingParams& p, std::mt19937_64& rng) {
  if (p.temperature <= 0.0f) return static_cast<int>(std::max_element(logits, logits + n) - logits);
  std::vector<int> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  int keep = n;
  if (p.top_k > 0 && p.top_k < n) {
    std::partial_sort(idx.begin(), idx.begin() + p.top_k, idx.end(),
                      [&](int a, int b) { return logits[a] > logits[b]; });
    keep = p.top_k;
  } else {
    std::sort(idx.begin(), idx.end(), [&](int a, int b) { return logits[a] > logits[b]; });
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
