// JS values → native structs, with a clear INVALID_ARGUMENT error for every
// malformed field (the TypeScript layer validates first; this is the backstop).
#pragma once

#include <napi.h>

#include <optional>
#include <string>
#include <vector>

#include "loader/tensor_store.h"
#include "models/transformer.h"
#include "runtime/sampler.h"

namespace ce::addon {

ModelConfig to_model_config(const Napi::Object& o);
std::vector<TensorSpec> to_tensor_specs(const Napi::Array& a);
std::optional<MlxQuantization> to_mlx_quantization(const Napi::Value& v);
SamplingParams to_sampling(const Napi::Value& v);
// A seed: undefined/null for none, else an integer in 0..2^53-1.
std::optional<uint64_t> to_seed(const Napi::Value& v);
std::vector<int> to_int_vector(const Napi::Value& v, const char* what);

}  // namespace ce::addon
