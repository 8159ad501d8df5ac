#include "addon/session_wrap.h"

#include <cstring>

#include "addon/convert.h"
#include "addon/mlx_thread.h"
#include "common/errors.h"
#include "kernels/thread_pool.h"

namespace ce::addon {

namespace {
Napi::FunctionReference* constructor = nullptr;

Napi::Float32Array to_float32_array(Napi::Env env, const std::vector<float>& v) {
  Napi::Float32Array out = Napi::Float32Array::New(env, v.size());
  if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size() * sizeof(float));
  return out;
}
}  // namespace

void NativeSession::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "NativeSession",
                                   {
                                       InstanceMethod<&NativeSession::Append>("append"),
                                       InstanceMethod<&NativeSession::Step>("step"),
                                       InstanceMethod<&NativeSession::Rewind>("rewind"),
                                       InstanceMethod<&NativeSession::Fork>("fork"),
                                       InstanceMethod<&NativeSession::Reseed>("reseed"),
                                       InstanceMethod<&NativeSession::HiddenStates>("hiddenStates"),
                                       InstanceMethod<&NativeSession::Logits>("logits"),
                                       InstanceMethod<&NativeSession::Dispose>("dispose"),
                                       InstanceAccessor<&NativeSession::Length>("length"),
                                   });
  constructor = new Napi::FunctionReference(Napi::Persistent(cls));
  exports.Set("NativeSession", cls);
}

Napi::Object NativeSession::Wrap(Napi::Env env, std::shared_ptr<Session> session) {
  Napi::Object obj = constructor->New({});
  NativeSession* self = Unwrap(obj);
  self->session_ = std::move(session);
  return obj;
}

NativeSession::NativeSession(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeSession>(info) {}

NativeSession::~NativeSession() {
  // No AdjustExternalMemory here: V8 may be tearing down; the bytes go with the isolate.
  if (session_) post_to_mlx_thread([s = std::move(session_)]() mutable { s.reset(); });
}

std::shared_ptr<Session> NativeSession::From(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(constructor->Value()))
    throw_js(env, codes::kInvalidArgument, what + " is not a session");
  return Unwrap(v.As<Napi::Object>())->session(env);
}

void NativeSession::settle(Napi::Env env, int length, uint64_t cache_bytes) {
  length_ = length;
  if (!session_) return;  // disposed while the operation ran: dispose already gave its bytes back
  const int64_t bytes = static_cast<int64_t>(cache_bytes);
  if (bytes != reported_bytes_) Napi::MemoryManagement::AdjustExternalMemory(env, bytes - reported_bytes_);
  reported_bytes_ = bytes;
}

std::shared_ptr<Session> NativeSession::session(Napi::Env env) const {
  if (!session_) throw_js(env, codes::kDisposed, "[session] the session has been disposed");
  return session_;
}

template <typename Op>
Napi::Value NativeSession::run(Napi::Env env, Op op) {
  std::shared_ptr<Session> s = session(env);
  // The JS object may be collected while the job runs; the job holds the
  // Session itself, and a persistent reference keeps `this` for the length update.
  auto self = std::make_shared<Napi::ObjectReference>(Napi::Persistent(Value()));
  return run_on_mlx_thread(env, [s, op, self]() mutable -> ToJs {
    kernels::set_call_threads(s->model().config().threads);
    ToJs to_js = op(*s);
    const int length = s->length();
    const uint64_t bytes = s->cache_bytes();
    return [to_js, length, bytes, self](Napi::Env env) -> Napi::Value {
      Unwrap(self->Value())->settle(env, length, bytes);
      self->Reset();
      return to_js(env);
    };
  });
}

Napi::Value NativeSession::Append(const Napi::CallbackInfo& info) {
  std::vector<int> tokens = to_int_vector(info[0], "tokens");
  return run(info.Env(), [tokens](Session& s) -> ToJs {
    s.append(tokens);
    const int n = s.length();
    return [n](Napi::Env env) { return Napi::Number::New(env, n); };
  });
}

Napi::Value NativeSession::Step(const Napi::CallbackInfo& info) {
  SamplingParams params = to_sampling(info[0]);
  std::vector<int> layers = to_int_vector(info[1], "captureLayers");
  return run(info.Env(), [params, layers](Session& s) -> ToJs {
    StepResult r = s.step(params, layers);
    return [r = std::move(r), capture = !layers.empty()](Napi::Env env) -> Napi::Value {
      Napi::Object out = Napi::Object::New(env);
      out.Set("token", Napi::Number::New(env, r.token));
      if (capture) out.Set("hidden", to_float32_array(env, r.hidden));
      return out;
    };
  });
}

Napi::Value NativeSession::Rewind(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw_js(info.Env(), codes::kInvalidArgument, "[session] rewind needs a count");
  const int n = info[0].As<Napi::Number>().Int32Value();
  return run(info.Env(), [n](Session& s) -> ToJs {
    s.rewind(n);
    const int len = s.length();
    return [len](Napi::Env env) { return Napi::Number::New(env, len); };
  });
}

Napi::Value NativeSession::Fork(const Napi::CallbackInfo& info) {
  const std::optional<uint64_t> seed = to_seed(info[0]);
  return run(info.Env(), [seed](Session& s) -> ToJs {
    std::shared_ptr<Session> child = s.fork(seed);
    const int length = child->length();
    const uint64_t bytes = child->cache_bytes();
    return [child, length, bytes](Napi::Env env) -> Napi::Value {
      Napi::Object obj = Wrap(env, child);
      Unwrap(obj)->settle(env, length, bytes);
      return obj;
    };
  });
}

Napi::Value NativeSession::Reseed(const Napi::CallbackInfo& info) {
  const std::optional<uint64_t> seed = to_seed(info[0]);
  if (!seed) throw_js(info.Env(), codes::kInvalidArgument, "[session] reseed needs a seed");
  return run(info.Env(), [seed](Session& s) -> ToJs {
    s.reseed(*seed);
    return [](Napi::Env env) { return env.Undefined(); };
  });
}

Napi::Value NativeSession::HiddenStates(const Napi::CallbackInfo& info) {
  std::vector<int> layers = to_int_vector(info[0], "layers");
  std::vector<int> positions = to_int_vector(info[1], "positions");
  return run(info.Env(), [layers, positions](Session& s) -> ToJs {
    auto v = std::make_shared<std::vector<float>>(s.hidden_states(layers, positions));
    return [v](Napi::Env env) -> Napi::Value { return to_float32_array(env, *v); };
  });
}

Napi::Value NativeSession::Logits(const Napi::CallbackInfo& info) {
  return run(info.Env(), [](Session& s) -> ToJs {
    auto v = std::make_shared<std::vector<float>>(s.logits());
    return [v](Napi::Env env) -> Napi::Value { return to_float32_array(env, *v); };
  });
}

Napi::Value NativeSession::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), length_);
}

Napi::Value NativeSession::Dispose(const Napi::CallbackInfo& info) {
  if (reported_bytes_) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), -reported_bytes_);
  reported_bytes_ = 0;
  if (session_) post_to_mlx_thread([s = std::move(session_)]() mutable { s.reset(); });
  return info.Env().Undefined();
}

}  // namespace ce::addon
