#pragma once
#include <napi.h>

namespace ce::addon {
Napi::Value KernelCheck(const Napi::CallbackInfo& info);
Napi::Value KQuantCheck(const Napi::CallbackInfo& info);
Napi::Value Int8MacCeiling(const Napi::CallbackInfo& info);
}
