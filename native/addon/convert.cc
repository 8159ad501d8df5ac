#include "addon/convert.h"

#include <cmath>

#include "addon/mlx_thread.h"
#include "common/errors.h"

namespace ce::addon {

namespace {

[[noreturn]] void bad(const Napi::Env& env, const std::string& what) {
  throw_js(env, codes::kInvalidArgument, "[args] " + what);
}

double number(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber() || !std::isfinite(v.As<Napi::Number>().DoubleValue()))
    bad(o.Env(), std::string(key) + " must be a finite number");
  return v.As<Napi::Number>().DoubleValue();
}

int integer(const Napi::Object& o, const char* key, int lo, int hi) {
  const double d = number(o, key);
  if (d != std::floor(d) || d < lo || d > hi)
    bad(o.Env(), std::string(key) + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int>(d);
}

std::string string(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) bad(o.Env(), std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

}  // namespace

ModelConfig to_model_config(const Napi::Object& o) {
  constexpr int kBig = 1 << 30;
  ModelConfig c;
  c.architecture = string(o, "architecture");
  c.vocab_size = integer(o, "vocabSize", 1, kBig);
  c.hidden_size = integer(o, "hiddenSize", 1, 1 << 20);
  c.intermediate_size = integer(o, "intermediateSize", 1, 1 << 22);
  c.num_layers = integer(o, "numLayers", 1, 4096);
  c.num_heads = integer(o, "numHeads", 1, 4096);
  c.num_kv_heads = integer(o, "numKvHeads", 1, 4096);
  c.head_dim = integer(o, "headDim", 1, 4096);
  c.rope_theta = static_cast<float>(number(o, "ropeTheta"));
  c.rope_traditional = o.Get("ropeTraditional").ToBoolean();
  c.qk_norm = o.Get("qkNorm").ToBoolean();
  c.rms_norm_eps = static_cast<float>(number(o, "rmsNormEps"));
  c.max_context = integer(o, "maxContext", 1, kBig);
  c.float32_cache = o.Get("float32Cache").ToBoolean();
  c.stock_mlx = o.Get("stockMlx").ToBoolean();
  if (o.Has("threads") && o.Get("threads").IsNumber()) c.threads = std::max(0, o.Get("threads").As<Napi::Number>().Int32Value());
  return c;
}

std::vector<TensorSpec> to_tensor_specs(const Napi::Array& a) {
  std::vector<TensorSpec> specs;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsObject()) bad(a.Env(), "tensor manifest entries must be objects");
    Napi::Object t = v.As<Napi::Object>();
    TensorSpec s;
    s.name = string(t, "name");
    s.file = string(t, "file");
    s.type = string(t, "type");
    const double offset = number(t, "offset"), nbytes = number(t, "nbytes");
    if (offset < 0 || nbytes < 0 || offset > 9e15 || nbytes > 9e15) bad(a.Env(), s.name + ": bad offset/size");
    s.offset = static_cast<uint64_t>(offset);
    s.nbytes = static_cast<uint64_t>(nbytes);
    Napi::Value shape = t.Get("shape");
    if (!shape.IsArray()) bad(a.Env(), s.name + ": shape must be an array");
    Napi::Array dims = shape.As<Napi::Array>();
    for (uint32_t d = 0; d < dims.Length(); ++d) {
      Napi::Value dv = dims.Get(d);
      if (!dv.IsNumber()) bad(a.Env(), s.name + ": shape entries must be numbers");
      s.shape.push_back(static_cast<int64_t>(dv.As<Napi::Number>().DoubleValue()));
    }
    specs.push_back(std::move(s));
  }
  return specs;
}

std::optional<MlxQuantization> to_mlx_quantization(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  if (!v.IsObject()) bad(v.Env(), "quantization must be an object");
  Napi::Object o = v.As<Napi::Object>();
  MlxQuantization q;
  q.bits = integer(o, "bits", 2, 8);
  q.group_size = integer(o, "groupSize", 16, 1024);
  return q;
}

SamplingParams to_sampling(const Napi::Value& v) {
  SamplingParams p;
  if (v.IsUndefined() || v.IsNull()) return p;
  if (!v.IsObject()) bad(v.Env(), "sampling must be an object");
  Napi::Object o = v.As<Napi::Object>();
  if (o.Has("temperature")) p.temperature = static_cast<float>(number(o, "temperature"));
  if (o.Has("topK")) p.top_k = integer(o, "topK", 0, 1 << 30);
  if (o.Has("topP")) p.top_p = static_cast<float>(number(o, "topP"));
  if (p.top_p <= 0 || p.top_p > 1) bad(v.Env(), "topP must be in (0, 1]");
  if (o.Has("minP")) p.min_p = static_cast<float>(number(o, "minP"));
  if (p.min_p < 0 || p.min_p > 1) bad(v.Env(), "minP must be in [0, 1]");
  if (p.temperature < 0) bad(v.Env(), "temperature must be >= 0");
  return p;
}

std::optional<uint64_t> to_seed(const Napi::Value& v) {
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= 9007199254740991.0 && d == std::floor(d)))
    bad(v.Env(), "seed must be an integer in 0..2^53-1");
  return static_cast<uint64_t>(d);
}

std::vector<int> to_int_vector(const Napi::Value& v, const char* what) {
  std::vector<int> out;
  if (v.IsUndefined() || v.IsNull()) return out;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    Napi::Int32Array a = v.As<Napi::Int32Array>();
    out.assign(a.Data(), a.Data() + a.ElementLength());
    return out;
  }
  if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      Napi::Value e = a.Get(i);
      if (!e.IsNumber()) bad(v.Env(), std::string(what) + " must contain integers");
      out.push_back(e.As<Napi::Number>().Int32Value());
    }
    return out;
  }
  bad(v.Env(), std::string(what) + " must be an Int32Array or an array of integers");
}

}  // namespace ce::addon
