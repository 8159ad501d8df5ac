// Standalone check of the CPU kernels without MLX or Node: every quantized linear
// kernel and the cache attention on random inputs, with the best tier this CPU has against the portable
// tier (the portable one is itself checked against float64 references in
// test/kernels). Built and run by test/kernels/tiers.test.ts: natively, and for arm64
// (NEON) under qemu-user when a cross compiler is installed.
//
// Prints one line per case and a summary; exits 1 if any case disagrees.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_kernels.h"
#include "kernels/thread_pool.h"
#include "loader/ggml_quants.h"

using namespace ce::kernels;

namespace {

std::mt19937 rng(1234);

float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }
uint8_t byte() { return static_cast<uint8_t>(rng() & 0xff); }

// float16 bits of a normal value (truncating the mantissa): inputs only need to be valid halves.
uint16_t half_bits(float v) {
  uint32_t f;
  std::memcpy(&f, &v, 4);
  const uint32_t sign = (f >> 16) & 0x8000, exp = (f >> 23) & 0xff, mant = f & 0x7fffff;
  if (v == 0.0f) return static_cast<uint16_t>(sign);
  return static_cast<uint16_t>(sign | ((exp - 127 + 15) << 10) | (mant >> 13));
}

int failures = 0, cases = 0;

void compare(const std::string& what, const std::vector<float>& ref, const std::vector<float>& got) {
  float scale = 1, worst = 0;
  for (float v : ref) scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::fabs(ref[i] - got[i]));
  const bool ok = worst <= 1e-5f * scale && std::isfinite(worst);
  ++cases;
  if (!ok) ++failures;
  std::printf("%s %s: max error %.3g (scale %.3g)\n", ok ? "ok" : "FAIL", what.c_str(), worst, scale);
}

template <typename Run>
void tiers(const std::string& what, Run run) {
  cap_cpu_kernel("portable");
  const std::vector<float> ref = run();
  for (int threads : {1, 3}) {
    set_thread_count(threads);
    cap_cpu_kernel("");
    compare(what + " " + cpu_kernel_name() + " x" + std::to_string(threads), ref, run());
  }
  set_thread_count(2);
}

void affine(int M, int N, int K, int bits, bool half) {
  std::vector<float> x(static_cast<size_t>(M) * K);
  for (auto& v : x) v = uniform(-1, 1);
  std::vector<uint32_t> w(static_cast<size_t>(N) * K * bits / 32);
  for (auto& v : w) v = static_cast<uint32_t>(rng());
  const size_t groups = static_cast<size_t>(N) * K / 32;
  std::vector<float> s32(groups), b32(groups);
  std::vector<uint16_t> s16(groups), b16(groups);
  for (size_t i = 0; i < groups; ++i) {
    s32[i] = uniform(0.01f, 0.05f);
    b32[i] = uniform(-0.1f, 0.1f);
    s16[i] = half_bits(s32[i]);
    b16[i] = half_bits(b32[i]);
  }
  const void* sc = half ? static_cast<const void*>(s16.data()) : s32.data();
  const void* bi = half ? static_cast<const void*>(b16.data()) : b32.data();
  char name[96];
  std::snprintf(name, sizeof name, "affine %d-bit %s M=%d N=%d K=%d", bits, half ? "f16" : "f32", M, N, K);
  tiers(name, [&] {
    std::vector<float> out(static_cast<size_t>(M) * N);
    quantized_linear_cpu(x.data(), w.data(), sc, bi, half, out.data(), M, N, K, 32, bits);
    return out;
  });
}

void kquant(int type, int M, int N, int K) {
  std::vector<float> x(static_cast<size_t>(M) * K);
  for (auto& v : x) v = uniform(-1, 1);
  const int64_t row = kquant_row_bytes(type, K);
  std::vector<uint8_t> w(static_cast<size_t>(N * row));
  for (auto& v : w) v = byte();
  const int block = type == 12 ? 144 : 210;
  for (size_t b = 0; b < w.size() / block; ++b) {  // sane block scales
    uint8_t* p = w.data() + b * block;
    const uint16_t d = half_bits(uniform(0.0005f, 0.002f)), dmin = half_bits(uniform(0.001f, 0.004f));
    if (type == 12) {
      std::memcpy(p, &d, 2);
      std::memcpy(p + 2, &dmin, 2);
    } else {
      std::memcpy(p + 208, &d, 2);
    }
  }
  char name[96];
  std::snprintf(name, sizeof name, "%s M=%d N=%d K=%d", type == 12 ? "Q4_K" : "Q6_K", M, N, K);
  tiers(name, [&] {
    std::vector<float> out(static_cast<size_t>(M) * N);
    kquant_linear_cpu(x.data(), w.data(), type, out.data(), M, N, K);
    return out;
  });
}

// The gated activation, value by value: each tier within 1e-6 of the portable one
// relative to the value (below 1e-20 in absolute terms: past g = -87 the vector
// exponential flushes to 0 where expf still has denormals), over gates from -100 to
// 100 (where e^-g overflows a float) and a row length with a tail, below and above the size at
// which it is split over threads.
void silu(int rows, int I) {
  std::vector<float> gu(static_cast<size_t>(rows) * 2 * I);
  for (float& x : gu) x = uniform(-1, 1) * (uniform(0, 1) < 0.1f ? 100.0f : 8.0f);
  const auto run = [&] {
    std::vector<float> out(static_cast<size_t>(rows) * I);
    silu_mul_cpu(gu.data(), out.data(), rows, I);
    return out;
  };
  cap_cpu_kernel("portable");
  const std::vector<float> ref = run();
  for (int threads : {1, 3}) {
    set_thread_count(threads);
    cap_cpu_kernel("");
    const std::vector<float> got = run();
    double worst = 0;
    for (size_t i = 0; i < ref.size(); ++i)
      worst = std::max(worst, std::fabs(static_cast<double>(ref[i]) - got[i]) / std::max(1e-20, std::fabs(static_cast<double>(ref[i]))));
    const bool ok = worst <= 1e-6 && std::isfinite(worst);
    ++cases;
    if (!ok) ++failures;
    std::printf("%s silu rows=%d I=%d %s x%d: max relative error %.3g\n", ok ? "ok" : "FAIL", rows, I, cpu_kernel_name(),
                threads, worst);
  }
  set_thread_count(2);
}

// Attention over a random cache of float32 or float16 rows: a decode step (one
// position; past 128 keys the keys are split into chunks and merged) or a prefill
// chunk, for head sizes a multiple of 8 (SIMD loops) or not (portable everywhere).
void attention(int H, int KV, int D, int L, int start, bool half) {
  const int capacity = start + L + 3;
  std::vector<float> q(static_cast<size_t>(H) * L * D), k(static_cast<size_t>(KV) * capacity * D), v(k.size());
  for (auto* a : {&q, &k, &v})
    for (float& x : *a) x = uniform(-2, 2);
  std::vector<uint16_t> kh(k.size()), vh(v.size());
  for (size_t i = 0; i < k.size(); ++i) kh[i] = half_bits(k[i]), vh[i] = half_bits(v[i]);
  char name[96];
  std::snprintf(name, sizeof name, "attention %s H=%d KV=%d D=%d L=%d start=%d", half ? "f16" : "f32", H, KV, D, L,
                start);
  tiers(name, [&] {
    std::vector<float> out(q.size());
    if (half)
      attend_cpu(q.data(), kh.data(), vh.data(), out.data(), H, KV, L, D, capacity, start, 0.125f);
    else
      attend_cpu(q.data(), k.data(), v.data(), out.data(), H, KV, L, D, capacity, start, 0.125f);
    return out;
  });
}

// float32 rows into a float16 cache: every tier must round alike (to nearest even),
// and as the loader's software conversion does.
void half_rows() {
  std::vector<float> x(1003);
  for (float& v : x) v = uniform(-70000, 70000) * (byte() < 128 ? 1e-6f : 1.0f);  // normals, tiny values, overflow
  const auto run = [&] {
    std::vector<uint16_t> h(x.size());
    to_half(x.data(), h.data(), static_cast<int>(x.size()));
    return std::vector<float>(h.begin(), h.end());  // the bits themselves: any difference shows
  };
  tiers("to_half n=1003", run);
  std::vector<float> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i) expected[i] = ce::quant::float_to_half(x[i]);
  compare(std::string("to_half n=1003 ") + cpu_kernel_name() + " vs the software conversion", expected, run());
}

// A float16 cache must give what a float32 cache holding the same (rounded) values gives.
void half_cache_equals_rounded_float_cache() {
  const int H = 6, KV = 2, D = 64, start = 150, capacity = start + 1;
  std::vector<float> q(static_cast<size_t>(H) * D), k(static_cast<size_t>(KV) * capacity * D), v(k.size());
  for (auto* a : {&q, &k, &v})
    for (float& x : *a) x = uniform(-2, 2);
  std::vector<uint16_t> kh(k.size()), vh(v.size());
  to_half(k.data(), kh.data(), static_cast<int>(k.size()));
  to_half(v.data(), vh.data(), static_cast<int>(v.size()));
  for (size_t i = 0; i < k.size(); ++i) k[i] = ce::quant::half_to_float(kh[i]), v[i] = ce::quant::half_to_float(vh[i]);
  std::vector<float> from_half(q.size()), from_float(q.size());
  attend_cpu(q.data(), kh.data(), vh.data(), from_half.data(), H, KV, 1, D, capacity, start, 0.125f);
  attend_cpu(q.data(), k.data(), v.data(), from_float.data(), H, KV, 1, D, capacity, start, 0.125f);
  compare(std::string("attention f16 cache = f32 cache of the same values ") + cpu_kernel_name(), from_float, from_half);
}

// A prefill of L positions gives each position exactly what decoding it alone gives (the
// same key chunks, merged the same way): decode after a prefill then equals a prefill of the
// whole sequence, bit for bit, past a chunk boundary too.
void prefill_equals_decode(int H, int KV, int D, int L, int start) {
  const int capacity = start + L;
  std::vector<float> q(static_cast<size_t>(H) * L * D), k(static_cast<size_t>(KV) * capacity * D), v(k.size());
  for (auto* a : {&q, &k, &v})
    for (float& x : *a) x = uniform(-2, 2);
  std::vector<float> prefill(q.size()), decoded(q.size()), one(static_cast<size_t>(H) * D), out(one.size());
  attend_cpu(q.data(), k.data(), v.data(), prefill.data(), H, KV, L, D, capacity, start, 0.125f);
  for (int i = 0; i < L; ++i) {
    for (int h = 0; h < H; ++h) std::copy_n(q.data() + (static_cast<size_t>(h) * L + i) * D, D, one.data() + static_cast<size_t>(h) * D);
    attend_cpu(one.data(), k.data(), v.data(), out.data(), H, KV, 1, D, capacity, start + i, 0.125f);
    for (int h = 0; h < H; ++h) std::copy_n(out.data() + static_cast<size_t>(h) * D, D, decoded.data() + (static_cast<size_t>(h) * L + i) * D);
  }
  float worst = 0;
  for (size_t i = 0; i < prefill.size(); ++i) worst = std::max(worst, std::fabs(prefill[i] - decoded[i]));
  ++cases;
  if (worst != 0) ++failures;
  std::printf("%s attention prefill = decode, H=%d KV=%d D=%d L=%d start=%d %s: max difference %.3g\n", worst == 0 ? "ok" : "FAIL", H, KV, D, L,
              start, cpu_kernel_name(), worst);
}

}  // namespace

int main() {
  cap_cpu_kernel("");
  std::printf("best kernel: %s\n", cpu_kernel_name());
  for (bool half : {false, true}) {
    affine(1, 33, 576, 4, half);
    affine(3, 17, 320, 4, half);  // 10 groups: a 4-group tail
    affine(5, 9, 288, 4, half);   // 9 groups: an unpaired last group
    affine(1, 31, 256, 8, half);
    affine(6, 13, 480, 8, half);
  }
  for (int type : {12, 14}) {
    kquant(type, 1, 37, 1536);
    kquant(type, 5, 11, 512);
    kquant(type, 8, 19, 512);   // one whole group of rows
    kquant(type, 13, 7, 768);   // a group and a tail of 5
  }
  for (bool half : {false, true}) {
    attention(9, 3, 64, 1, 5, half);     // decode, one chunk
    attention(12, 2, 128, 1, 300, half);  // decode, three chunks
    attention(4, 4, 36, 1, 200, half);    // head size not a multiple of 8
    attention(6, 2, 64, 7, 20, half);     // a prefill chunk after 20 cached positions
  }
  silu(1, 8965);  // one row of a decode step: no threads
  silu(5, 7003);  // 35,015 values: split over threads
  half_rows();
  half_cache_equals_rounded_float_cache();
  prefill_equals_decode(6, 2, 64, 40, 100);  // positions 100-139: across the chunk boundary at 128
  prefill_equals_decode(4, 4, 36, 9, 250);   // a head size the SIMD loops do not take
  cap_cpu_kernel("portable");
  half_cache_equals_rounded_float_cache();
  cap_cpu_kernel("");
  std::printf("selftest: %d cases, %d failed, kernel %s\n", cases, failures, cpu_kernel_name());
  return failures ? 1 : 0;
}
