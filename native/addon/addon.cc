// The addon's whole surface: loadModel() and the NativeModel / NativeSession
// classes. Typed for TypeScript in lib/runtime/native.ts.
#include <napi.h>

#include "addon/kernel_check.h"
#include "addon/mlx_thread.h"
#include "addon/model_wrap.h"
#include "addon/session_wrap.h"
#include "kernels/quantized_linear.h"
#include "kernels/thread_pool.h"
#include "mlx/version.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ce::addon::init_mlx_thread(env);
  ce::addon::NativeModel::Init(env, exports);
  ce::addon::NativeSession::Init(env, exports);
  exports.Set("loadModel", Napi::Function::New<ce::addon::LoadModel>(env, "loadModel"));
  exports.Set("mlxVersion", Napi::String::New(env, mlx::core::version()));
  exports.Set("kernelCheck", Napi::Function::New<ce::addon::KernelCheck>(env, "kernelCheck"));
  exports.Set("kquantCheck", Napi::Function::New<ce::addon::KQuantCheck>(env, "kquantCheck"));
  exports.Set("cpuKernel", Napi::String::New(env, ce::kernels::cpu_kernel_name()));
  exports.Set("threadCount", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    if (info[0].IsNumber()) ce::kernels::set_thread_count(info[0].As<Napi::Number>().Int32Value());
    return Napi::Number::New(info.Env(), ce::kernels::thread_count());
  }, "threadCount"));
  return exports;
}

}  // namespace

NODE_API_MODULE(compiler_expert, Init)
