// Test hook: runs one quantized linear layer through our CPU kernel and through
// stock MLX (dequantize, then matmul) on the same inputs, so tests can compare
// them across shapes, bit widths and thread counts.
#include "addon/kernel_check.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "addon/mlx_thread.h"
#include "common/errors.h"
#include "kernels/cpu_kernels.h"
#include "kernels/kquant_linear.h"
#include "kernels/quantized_linear.h"
#include "kernels/thread_pool.h"

namespace ce::addon {

namespace mx = mlx::core;

namespace {
template <typename T>
std::vector<T> copy_of(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray()) throw_js(v.Env(), codes::kInvalidArgument, std::string("[kernelCheck] ") + what + " must be a typed array");
  auto a = v.As<Napi::TypedArray>();
  const auto* p = static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset();
  std::vector<T> out(a.ByteLength() / sizeof(T));
  std::memcpy(out.data(), p, out.size() * sizeof(T));
  return out;
}
}  // namespace

// Runs `compute` on the MLX thread with the kernels' thread count and tier set as
// asked (restored after), and resolves with { ours: Float32Array, kernel } (and `ms`, the
// value `ms` points to once `compute` is done, when given).
template <typename Compute>
Napi::Value run_kernel_check(Napi::Env env, int threads, const std::string& kernel, Compute compute,
                             std::shared_ptr<double> ms = nullptr) {
  return run_on_mlx_thread(env, [=]() mutable -> ToJs {
    const int before = kernels::thread_count();
    kernels::set_thread_count(threads);
    const std::string before_kernel = kernels::cap_cpu_kernel(kernel.c_str());
    const std::string used = kernels::cpu_kernel_name();
    auto o = std::make_shared<std::vector<float>>(compute());
    kernels::set_thread_count(before);
    kernels::cap_cpu_kernel(before_kernel.c_str());
    return [o, used, ms](Napi::Env env) -> Napi::Value {
      Napi::Object out = Napi::Object::New(env);
      auto ta = Napi::Float32Array::New(env, o->size());
      std::memcpy(ta.Data(), o->data(), o->size() * 4);
      out.Set("ours", ta);
      out.Set("kernel", used);
      if (ms) out.Set("ms", *ms);
      return out;
    };
  });
}

std::string kernel_arg(const Napi::CallbackInfo& info, size_t at) {
  return info.Length() > at && info[at].IsString() ? info[at].As<Napi::String>().Utf8Value() : "";
}

// kquantCheck(type, blocks, x, M, N, K, threads, kernel?, repeats?) → Promise<{ ours, kernel, ms }>:
// x [M, K] times the Q4_K/Q6_K rows in `blocks` (GGUF bytes), through our kernel. With
// a packed type (kQ4KPacked, kQ6KPacked) the rows are packed first (N a multiple of 8),
// as loading does. The kernel runs `repeats` times (argument 9, default 1); `ms` is the
// fastest run.
Napi::Value KQuantCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int type = info[0].As<Napi::Number>().Int32Value();
  auto w = copy_of<uint8_t>(info[1], "blocks");
  auto x = copy_of<float>(info[2], "x");
  const int M = info[3].As<Napi::Number>().Int32Value(), N = info[4].As<Napi::Number>().Int32Value(),
            K = info[5].As<Napi::Number>().Int32Value(), threads = info[6].As<Napi::Number>().Int32Value();
  if (!kernels::kquant_supported(type) || M <= 0 || N <= 0 || K <= 0 || K % 256 != 0 ||
      x.size() != size_t(M) * K || w.size() != size_t(N) * kernels::kquant_row_bytes(type, K))
    throw_js(env, codes::kInvalidArgument, "[kquantCheck] inconsistent shapes or unsupported type");
  if (kernels::kquant_is_packed(type)) {
    if (N % 8 != 0) throw_js(env, codes::kInvalidArgument, "[kquantCheck] packed rows need N in eights");
    kernels::kquant_pack_rows(kernels::kquant_base_type(type), w.data(), N, K, w.data());
  }
  const int repeats = info.Length() > 8 && info[8].IsNumber() ? std::max(1, info[8].As<Napi::Number>().Int32Value()) : 1;
  auto best_ms = std::make_shared<double>(0);
  return run_kernel_check(env, threads, kernel_arg(info, 7), [=]() {
    mx::array xa(x.begin(), {M, K}, mx::float32);
    mx::array wa(w.begin(), {N, static_cast<int>(w.size() / N)}, mx::uint8);
    mx::eval({xa, wa});
    std::optional<mx::array> y;
    for (int i = 0; i < repeats; ++i) {  // the fastest of `repeats` runs (bench scripts time kernels so)
      const auto t0 = std::chrono::steady_clock::now();
      y = kernels::kquant_linear(xa, wa, type);
      mx::eval(*y);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      *best_ms = i == 0 ? ms : std::min(*best_ms, ms);
    }
    return std::vector<float>(y->data<float>(), y->data<float>() + y->size());
  }, best_ms);
}

// kernelCheck(x, w, scales, biases, M, N, K, bits, group, threads, halfScales, kernel?)
//   → Promise<{ ours, reference }>
Napi::Value KernelCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto x = copy_of<float>(info[0], "x");
  auto w = copy_of<uint32_t>(info[1], "w");
  auto s = copy_of<float>(info[2], "scales");
  auto b = copy_of<float>(info[3], "biases");
  const int M = info[4].As<Napi::Number>().Int32Value(), N = info[5].As<Napi::Number>().Int32Value(),
            K = info[6].As<Napi::Number>().Int32Value(), bits = info[7].As<Napi::Number>().Int32Value(),
            group = info[8].As<Napi::Number>().Int32Value(), threads = info[9].As<Napi::Number>().Int32Value();
  const bool half = info[10].ToBoolean();
  // Optional cap on the CPU kernel: "portable" or "avx2" (default: the best the CPU has).
  const std::string kernel = info.Length() > 11 && info[11].IsString() ? info[11].As<Napi::String>().Utf8Value() : "";
  if (M <= 0 || N <= 0 || K <= 0 || K % group != 0 || x.size() != size_t(M) * K || w.size() != size_t(N) * K * bits / 32 ||
      s.size() != size_t(N) * K / group || b.size() != s.size())
    throw_js(env, codes::kInvalidArgument, "[kernelCheck] inconsistent shapes");
  return run_on_mlx_thread(env, [=]() mutable -> ToJs {
    const int before = kernels::thread_count();
    kernels::set_thread_count(threads);
    const std::string before_kernel = kernels::cap_cpu_kernel(kernel.c_str());
    const std::string used = kernels::cpu_kernel_name();
    mx::array xa(x.begin(), {M, K}, mx::float32);
    mx::array wa(w.begin(), {N, K * bits / 32}, mx::uint32);
    mx::array sa(s.begin(), {N, K / group}, mx::float32);
    mx::array ba(b.begin(), {N, K / group}, mx::float32);
    if (half) {  // float16 scales, as GGUF conversions store them
      sa = mx::astype(sa, mx::float16);
      ba = mx::astype(ba, mx::float16);
    }
    mx::array ours = kernels::quantized_linear(xa, wa, sa, ba, group, bits);
    mx::array ref = mx::matmul(xa, mx::transpose(mx::dequantize(wa, mx::astype(sa, mx::float32),
                                                                mx::astype(ba, mx::float32), group, bits)));
    mx::eval({ours, ref});
    kernels::set_thread_count(before);
    kernels::cap_cpu_kernel(before_kernel.c_str());
    auto o = std::make_shared<std::vector<float>>(ours.data<float>(), ours.data<float>() + ours.size());
    auto r = std::make_shared<std::vector<float>>(ref.data<float>(), ref.data<float>() + ref.size());
    return [o, r, used](Napi::Env env) -> Napi::Value {
      Napi::Object out = Napi::Object::New(env);
      auto ta = Napi::Float32Array::New(env, o->size());
      std::memcpy(ta.Data(), o->data(), o->size() * 4);
      auto tb = Napi::Float32Array::New(env, r->size());
      std::memcpy(tb.Data(), r->data(), r->size() * 4);
      out.Set("ours", ta);
      out.Set("reference", tb);
      out.Set("kernel", used);
      return out;
    };
  });
}

// int8MacCeiling(threads) → Promise<{ gmacs, kernel }>: the multiply-add ceiling of the
// active kernel tier's inner step on `threads` threads (kernels::int8_mac_ceiling), for
// benchmarks to measure the kernels against. Holds the MLX thread for ~0.2-0.6 s.
Napi::Value Int8MacCeiling(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int threads = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (threads < 1 || threads > 1024) throw_js(env, codes::kInvalidArgument, "[int8MacCeiling] threads must be 1..1024");
  return run_on_mlx_thread(env, [threads]() -> ToJs {
    const double macs = kernels::int8_mac_ceiling(threads);
    const std::string used = kernels::cpu_kernel_name();
    return [macs, used](Napi::Env env) -> Napi::Value {
      Napi::Object out = Napi::Object::New(env);
      out.Set("gmacs", macs / 1e9);
      out.Set("kernel", used);
      return out;
    };
  });
}

}  // namespace ce::addon
