// The addon's whole surface: loadModel() and the NativeModel / NativeSession
// classes. Typed for TypeScript in lib/runtime/native.ts.
#include <napi.h>

#include "addon/kernel_check.h"
#include "addon/mlx_thread.h"
#include "common/op_counts.h"
#include "addon/model_wrap.h"
#include "addon/session_wrap.h"
#include "kernels/quantized_linear.h"
#include "kernels/thread_pool.h"
#include "addon/convert.h"
#include "mlx/version.h"
#include "runtime/sampler.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ce::addon::init_mlx_thread(env);
  ce::addon::NativeModel::Init(env, exports);
  ce::addon::NativeSession::Init(env, exports);
  exports.Set("loadModel", Napi::Function::New<ce::addon::LoadModel>(env, "loadModel"));
  exports.Set("mlxVersion", Napi::String::New(env, mlx::core::version()));
  exports.Set("kernelCheck", Napi::Function::New<ce::addon::KernelCheck>(env, "kernelCheck"));
  exports.Set("kquantCheck", Napi::Function::New<ce::addon::KQuantCheck>(env, "kquantCheck"));
  exports.Set("int8MacCeiling", Napi::Function::New<ce::addon::Int8MacCeiling>(env, "int8MacCeiling"));
  // Test hook: `count` draws from one row of logits with the sampler, seeded once.
  exports.Set("sampleCheck", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      ce::addon::throw_js(env, "INVALID_ARGUMENT", "[sampleCheck] logits must be a Float32Array");
    Napi::Float32Array logits = info[0].As<Napi::Float32Array>();
    const ce::SamplingParams params = ce::addon::to_sampling(info[1]);
    const uint64_t seed = ce::addon::to_seed(info[2]).value_or(0);
    const int count = info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;
    if (logits.ElementLength() == 0 || count < 0 || count > 1000000)
      ce::addon::throw_js(env, "INVALID_ARGUMENT", "[sampleCheck] needs logits and a count in 0..1e6");
    std::mt19937_64 rng(seed);
    Napi::Int32Array out = Napi::Int32Array::New(env, count);
    for (int i = 0; i < count; ++i)
      out[i] = ce::sample_token(logits.Data(), static_cast<int>(logits.ElementLength()), params, rng);
    return out;
  }, "sampleCheck"));
  exports.Set("cpuKernel", Napi::String::New(env, ce::kernels::cpu_kernel_name()));
  exports.Set("amx", Napi::Boolean::New(env, ce::kernels::amx_int8_usable()));
  exports.Set("threadCount", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    if (info[0].IsNumber()) ce::kernels::set_thread_count(info[0].As<Napi::Number>().Int32Value());
    return Napi::Number::New(info.Env(), ce::kernels::thread_count());
  }, "threadCount"));
  // Test hook: how often each of our primitives ran (see common/op_counts.h).
  exports.Set("opCounts", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    using namespace ce::op_counts;
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("cpuLayer", static_cast<double>(counter(kCpuLayer).load()));
    o.Set("quantizedLinear", static_cast<double>(counter(kQuantizedLinear).load()));
    o.Set("kquantLinear", static_cast<double>(counter(kKquantLinear).load()));
    o.Set("attention", static_cast<double>(counter(kAttention).load()));
    return o;
  }, "opCounts"));
  // Test hook: how many threads the last parallel_for split its work over.
  exports.Set("lastParallelParts", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), ce::kernels::last_parallel_parts());
  }, "lastParallelParts"));
  return exports;
}

}  // namespace

NODE_API_MODULE(compiler_expert, Init)
