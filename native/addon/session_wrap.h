// JS class NativeSession: one sequence and its KV cache. Methods that compute
// return Promises settled from the MLX thread; `length` mirrors the native
// length and is updated on the JS thread when an operation settles.
#pragma once

#include <napi.h>

#include <memory>

#include "runtime/session.h"

namespace ce::addon {

class NativeSession : public Napi::ObjectWrap<NativeSession> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Object Wrap(Napi::Env env, std::shared_ptr<Session> session);
  // The session behind a JS NativeSession (typed errors for anything else or a disposed one).
  static std::shared_ptr<Session> From(Napi::Env env, const Napi::Value& v, const std::string& what);
  // On the JS thread, after an operation: the new length, and the cache's bytes reported to V8.
  void settle(Napi::Env env, int length, uint64_t cache_bytes);
  explicit NativeSession(const Napi::CallbackInfo& info);
  ~NativeSession() override;

 private:
  Napi::Value Append(const Napi::CallbackInfo& info);
  Napi::Value Step(const Napi::CallbackInfo& info);
  Napi::Value Rewind(const Napi::CallbackInfo& info);
  Napi::Value Fork(const Napi::CallbackInfo& info);
  Napi::Value Reseed(const Napi::CallbackInfo& info);
  Napi::Value HiddenStates(const Napi::CallbackInfo& info);
  Napi::Value Logits(const Napi::CallbackInfo& info);
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::shared_ptr<Session> session(Napi::Env env) const;
  // Runs `op` on the MLX thread; afterwards records the new length and builds
  // the result with `to_js`.
  template <typename Op>
  Napi::Value run(Napi::Env env, Op op);

  std::shared_ptr<Session> session_;
  int length_ = 0;
  int64_t reported_bytes_ = 0;
};

}  // namespace ce::addon
