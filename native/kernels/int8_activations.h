// Rounding of a layer's input to int8, shared by every quantized kernel: a run of
// values gets the step d = max|x| / 127 and codes q = round(x / d), ties to even (as
// llama.cpp's Q8 activations), so x ~ d * q and the dot products run on integers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ce::kernels {

// Round to nearest, ties to even, for |x| < 2^22: the same as nearbyint in the default
// rounding mode, as two additions the compiler keeps in registers and vectorises
// (nearbyint is a libm call per value on baseline x86-64, which prefill felt).
inline float round_half_even(float x) {
  constexpr float kShift = 12582912.0f;  // 1.5 * 2^23: sums land where the spacing is 1
  return (x + kShift) - kShift;
}

// Codes of n values into q; returns the step.
inline float quantize_run(const float* x, int n, int8_t* q) {
  float amax = 0;
  for (int j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float inv = d > 0 ? 1.0f / d : 0.0f;
  for (int j = 0; j < n; ++j) q[j] = static_cast<int8_t>(round_half_even(x[j] * inv));
  return d;
}

}  // namespace ce::kernels
