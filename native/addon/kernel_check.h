#pragma once
#include <napi.h>

namespace ce::addon {
Napi::Value KernelCheck(const Napi::CallbackInfo& info);
}
