// JS class NativeModel: a loaded Transformer shared by its sessions.
#pragma once

#include <napi.h>

#include <memory>

#include "models/transformer.h"

namespace ce::addon {

class NativeModel : public Napi::ObjectWrap<NativeModel> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Object Wrap(Napi::Env env, std::shared_ptr<const Transformer> model);
  explicit NativeModel(const Napi::CallbackInfo& info);
  ~NativeModel() override;

 private:
  Napi::Value CreateSession(const Napi::CallbackInfo& info);
  Napi::Value StepBatch(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value WeightBytes(const Napi::CallbackInfo& info);
  Napi::Value DecodeBytes(const Napi::CallbackInfo& info);
  Napi::Value KvCacheType(const Napi::CallbackInfo& info);
  Napi::Value ForkPoolBytes(const Napi::CallbackInfo& info);
  const std::shared_ptr<const Transformer>& model(Napi::Env env) const;
  void release(Napi::Env env);

  std::shared_ptr<const Transformer> model_;
  int64_t reported_bytes_ = 0;
};

// loadModel(config, manifest, quantization?) → Promise<NativeModel>
Napi::Value LoadModel(const Napi::CallbackInfo& info);

}  // namespace ce::addon
