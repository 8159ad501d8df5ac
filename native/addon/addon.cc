// The addon's whole surface: loadModel() and the NativeModel / NativeSession
// classes. Typed for TypeScript in lib/runtime/native.ts.
#include <napi.h>

#include "addon/mlx_thread.h"
#include "addon/model_wrap.h"
#include "addon/session_wrap.h"
#include "mlx/version.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ce::addon::init_mlx_thread(env);
  ce::addon::NativeModel::Init(env, exports);
  ce::addon::NativeSession::Init(env, exports);
  exports.Set("loadModel", Napi::Function::New<ce::addon::LoadModel>(env, "loadModel"));
  exports.Set("mlxVersion", Napi::String::New(env, mlx::core::version()));
  return exports;
}

}  // namespace

NODE_API_MODULE(compiler_expert, Init)
