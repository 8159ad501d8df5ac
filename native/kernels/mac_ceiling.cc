// How many int8 multiply-adds per second this CPU can do at most in the quantized
// kernels' inner step: their instruction sequence on registers alone (no loads, no
// unpacking), on independent chains, on `threads` threads at once. Benchmarks put the
// kernels' throughput and the batch's tokens/s against it (scripts/bench-speed.mjs).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "kernels/cpu_kernels.h"
#include "kernels/neon.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CE_X86 1
#endif

namespace ce::kernels {

namespace {

constexpr long kRounds = 20'000'000;  // ~0.1 s of one core

#ifdef CE_X86
// Per 32 products of unsigned codes and signed activations: maddubs (pairs to int16),
// then madd by the sub-block scale (to int32) and the add into the sum, which the VNNI
// tier fuses (dpwssd); 8 chains on distinct operands. The inputs pass through an empty
// asm every 4 chains, so nothing is hoisted, folded or computed once for two chains.
#define CE_CEILING_CHAINS(TARGET, NAME, VNNI)                                                          \
  __attribute__((target(TARGET))) long NAME(long rounds) {                                             \
    __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(5);                                          \
    const __m256i s = _mm256_set1_epi16(2);                                                            \
    __m256i acc[8];                                                                                    \
    for (auto& v : acc) v = _mm256_setzero_si256();                                                    \
    for (long i = 0; i < rounds; ++i) {                                                                \
      /* two halves of 4 distinct pairs, the inputs renewed between: few values live at once */       \
      for (int half = 0; half < 2; ++half) {                                                           \
        asm volatile("" : "+x"(a), "+x"(b));                                                           \
        const __m256i x[4] = {a, b, a, b}, y[4] = {b, a, a, b};                                        \
        for (int k = 0; k < 4; ++k) {                                                                  \
          __m256i& sum = acc[4 * half + k];                                                            \
          const __m256i pairs = _mm256_maddubs_epi16(x[k], y[k]);                                      \
          if constexpr (VNNI) sum = _mm256_dpwssd_epi32(sum, pairs, s);                                \
          else sum = _mm256_add_epi32(sum, _mm256_madd_epi16(pairs, s));                               \
        }                                                                                              \
      }                                                                                                \
    }                                                                                                  \
    __m256i t = acc[0];                                                                                \
    for (int k = 1; k < 8; ++k) t = _mm256_add_epi32(t, acc[k]);                                       \
    return _mm256_extract_epi32(t, 0);                                                                 \
  }
CE_CEILING_CHAINS("avx2", avx2_chains, false)
CE_CEILING_CHAINS("avx2,avx512f,avx512vl,avx512vnni", vnni_chains, true)
#undef CE_CEILING_CHAINS
constexpr double kProductsPerChain = 32;
#endif

#ifdef CE_ARM64
// sdot: 16 products into four int32 lanes per instruction, 8 chains on 8 distinct pairs.
CE_NEON_DOT long neon_chains(long rounds) {
  int8x16_t a = vdupq_n_s8(3), b = vdupq_n_s8(5), c = vdupq_n_s8(7), d = vdupq_n_s8(9);
  int32x4_t acc[8];
  for (auto& v : acc) v = vdupq_n_s32(0);
  for (long i = 0; i < rounds; ++i) {
    asm volatile("" : "+w"(a), "+w"(b), "+w"(c), "+w"(d));
    const int8x16_t x[8] = {a, b, a, c, b, d, c, d}, y[8] = {b, a, c, a, d, b, d, c};
    for (int k = 0; k < 8; ++k) acc[k] = dot16(acc[k], x[k], y[k]);
  }
  int32x4_t t = acc[0];
  for (int k = 1; k < 8; ++k) t = vaddq_s32(t, acc[k]);
  return vgetq_lane_s32(t, 0);
}
#endif

// Plain integer multiply-adds, as the portable kernels' loops do them.
long portable_chains(long rounds) {
  volatile int32_t seed = 3;
  int32_t acc[8] = {};
  const int32_t a = seed, b = seed + 2;
  for (long i = 0; i < rounds; ++i)
    for (int c = 0; c < 8; ++c) acc[c] += (a + c) * (b ^ static_cast<int32_t>(i));
  long t = 0;
  for (int32_t v : acc) t += v;
  return t;
}

}  // namespace

double int8_mac_ceiling(int threads) {
  const Kernel kernel = active_kernel();
  long (*chains)(long) = portable_chains;
  double per_round = 8;  // products per round: 8 chains
#ifdef CE_X86
  if (kernel == Kernel::kAvx2) chains = avx2_chains, per_round = 8 * kProductsPerChain;
  if (kernel == Kernel::kVnni) chains = vnni_chains, per_round = 8 * kProductsPerChain;
#endif
#ifdef CE_ARM64
  if (kernel == Kernel::kNeonDot) chains = neon_chains, per_round = 8 * 16;
#endif
  threads = std::max(1, threads);
  double best = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {  // best of 3: a shared machine only slows a run
    std::vector<std::thread> pool;
    std::vector<long> sink(threads);
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { sink[t] = chains(kRounds); });
    for (auto& t : pool) t.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, per_round * kRounds * threads / s);
  }
  return best;
}

}  // namespace ce::kernels
