#include "addon/model_wrap.h"

#include "addon/convert.h"
#include "addon/mlx_thread.h"
#include "addon/session_wrap.h"
#include "common/errors.h"

namespace ce::addon {

namespace {
Napi::FunctionReference* constructor = nullptr;
}

void NativeModel::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "NativeModel",
                                   {
                                       InstanceMethod<&NativeModel::CreateSession>("createSession"),
                                       InstanceMethod<&NativeModel::Dispose>("dispose"),
                                       InstanceAccessor<&NativeModel::WeightBytes>("weightBytes"),
                                       InstanceAccessor<&NativeModel::DecodeBytes>("decodeBytes"),
                                       InstanceAccessor<&NativeModel::KvCacheType>("kvCacheType"),
                                   });
  constructor = new Napi::FunctionReference(Napi::Persistent(cls));
  exports.Set("NativeModel", cls);
}

Napi::Object NativeModel::Wrap(Napi::Env env, std::shared_ptr<const Transformer> model) {
  Napi::Object obj = constructor->New({});
  NativeModel* self = Unwrap(obj);
  self->reported_bytes_ = static_cast<int64_t>(model->weight_bytes());
  self->model_ = std::move(model);
  Napi::MemoryManagement::AdjustExternalMemory(env, self->reported_bytes_);
  return obj;
}

NativeModel::NativeModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeModel>(info) {}

NativeModel::~NativeModel() {
  if (model_) post_to_mlx_thread([m = std::move(model_)]() mutable { m.reset(); });
}

const std::shared_ptr<const Transformer>& NativeModel::model(Napi::Env env) const {
  if (!model_) throw_js(env, codes::kDisposed, "[model] the model has been disposed");
  return model_;
}

void NativeModel::release(Napi::Env env) {
  if (!model_) return;
  Napi::MemoryManagement::AdjustExternalMemory(env, -reported_bytes_);
  reported_bytes_ = 0;
  // Sessions keep their own reference; the weights go when the last one does.
  post_to_mlx_thread([m = std::move(model_)]() mutable { m.reset(); });
}

Napi::Value NativeModel::CreateSession(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& m = model(env);
  if (!info[0].IsNumber()) throw_js(env, codes::kInvalidArgument, "[session] contextLength must be a number");
  const int context = info[0].As<Napi::Number>().Int32Value();
  const uint64_t seed = info[1].IsNumber() ? static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()) : 0;
  try {
    return NativeSession::Wrap(env, std::make_shared<Session>(m, context, seed));
  } catch (const ce::Error& e) {
    throw_js(env, e.code, e.what());
  }
}

Napi::Value NativeModel::Dispose(const Napi::CallbackInfo& info) {
  release(info.Env());
  return info.Env().Undefined();
}

Napi::Value NativeModel::WeightBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(model(info.Env())->weight_bytes()));
}

Napi::Value NativeModel::DecodeBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(model(info.Env())->decode_bytes()));
}

Napi::Value NativeModel::KvCacheType(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), model(info.Env())->kv_dtype() == mx::float16 ? "float16" : "float32");
}

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject() || !info[1].IsArray())
    throw_js(env, codes::kInvalidArgument, "[loadModel] expected (config, manifest[, quantization])");
  ModelConfig config = to_model_config(info[0].As<Napi::Object>());
  std::vector<TensorSpec> specs = to_tensor_specs(info[1].As<Napi::Array>());
  std::optional<MlxQuantization> quant = to_mlx_quantization(info[2]);
  return run_on_mlx_thread(env, [config = std::move(config), specs = std::move(specs), quant]() mutable -> ToJs {
    TensorStore store(std::move(specs), quant);
    auto model = std::make_shared<const Transformer>(std::move(config), store);
    return [model](Napi::Env env) -> Napi::Value { return NativeModel::Wrap(env, model); };
  });
}

}  // namespace ce::addon
