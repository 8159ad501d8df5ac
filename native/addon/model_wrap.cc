#include "addon/model_wrap.h"

#include "addon/convert.h"
#include "addon/mlx_thread.h"
#include "addon/session_wrap.h"
#include "common/errors.h"
#include "kernels/thread_pool.h"
#include "runtime/session.h"

namespace ce::addon {

namespace {
Napi::FunctionReference* constructor = nullptr;
}

void NativeModel::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "NativeModel",
                                   {
                                       InstanceMethod<&NativeModel::CreateSession>("createSession"),
                                       InstanceMethod<&NativeModel::StepBatch>("stepBatch"),
                                       InstanceMethod<&NativeModel::Dispose>("dispose"),
                                       InstanceAccessor<&NativeModel::WeightBytes>("weightBytes"),
                                       InstanceAccessor<&NativeModel::DecodeBytes>("decodeBytes"),
                                       InstanceAccessor<&NativeModel::KvCacheType>("kvCacheType"),
                                       InstanceAccessor<&NativeModel::ForkPoolBytes>("forkPoolBytes"),
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

// stepBatch(sessions, sampling (one object, or one per session), captureLayers)
//   → Promise<{ token, hidden? }[]>
Napi::Value NativeModel::StepBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto& m = model(env);
  if (!info[0].IsArray()) throw_js(env, codes::kInvalidArgument, "[batch] sessions must be an array");
  Napi::Array list = info[0].As<Napi::Array>();
  if (list.Length() == 0) throw_js(env, codes::kInvalidArgument, "[batch] no sessions to step");
  std::vector<std::shared_ptr<Session>> sessions;
  // Persistent references keep the JS objects for the length updates when the job settles.
  std::vector<std::shared_ptr<Napi::ObjectReference>> objects;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string what = "[batch] sessions[" + std::to_string(i) + "]";
    std::shared_ptr<Session> s = NativeSession::From(env, list.Get(i), what);
    if (&s->model() != m.get()) throw_js(env, codes::kInvalidArgument, what + " belongs to another model");
    sessions.push_back(std::move(s));
    objects.push_back(std::make_shared<Napi::ObjectReference>(Napi::Persistent(list.Get(i).As<Napi::Object>())));
  }
  std::vector<SamplingParams> params;
  if (info[1].IsArray()) {
    Napi::Array a = info[1].As<Napi::Array>();
    if (a.Length() != list.Length()) throw_js(env, codes::kInvalidArgument, "[batch] one set of sampling options per session");
    for (uint32_t i = 0; i < a.Length(); ++i) params.push_back(to_sampling(a.Get(i)));
  } else {
    params.assign(sessions.size(), to_sampling(info[1]));
  }
  std::vector<int> layers = to_int_vector(info[2], "captureLayers");
  return run_on_mlx_thread(env, [sessions, params, layers, objects]() -> ToJs {
    if (!sessions.empty()) kernels::set_call_threads(sessions.front()->model().config().threads);
    std::vector<Session*> raw;
    for (const auto& s : sessions) raw.push_back(s.get());
    auto results = std::make_shared<std::vector<StepResult>>(Session::step_batch(raw, params, layers));
    std::vector<int> lengths;
    std::vector<uint64_t> bytes;
    for (const auto& s : sessions) {
      lengths.push_back(s->length());
      bytes.push_back(s->cache_bytes());
    }
    return [results, lengths, bytes, objects, capture = !layers.empty()](Napi::Env env) -> Napi::Value {
      Napi::Array out = Napi::Array::New(env, results->size());
      for (size_t i = 0; i < results->size(); ++i) {
        NativeSession::Unwrap(objects[i]->Value())->settle(env, lengths[i], bytes[i]);
        objects[i]->Reset();
        const StepResult& r = (*results)[i];
        Napi::Object o = Napi::Object::New(env);
        o.Set("token", Napi::Number::New(env, r.token));
        if (capture) {
          Napi::Float32Array h = Napi::Float32Array::New(env, r.hidden.size());
          std::copy(r.hidden.begin(), r.hidden.end(), h.Data());
          o.Set("hidden", h);
        }
        out.Set(i, o);
      }
      return out;
    };
  });
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

Napi::Value NativeModel::ForkPoolBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(model(info.Env())->fork_pool_bytes()));
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
    kernels::set_call_threads(config.threads);
    TensorStore store(std::move(specs), quant, config.stock_mlx);
    auto model = std::make_shared<const Transformer>(std::move(config), store);
    return [model](Napi::Env env) -> Napi::Value { return NativeModel::Wrap(env, model); };
  });
}

}  // namespace ce::addon
