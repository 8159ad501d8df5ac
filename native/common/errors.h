// One error type for all native code: a stable `code` (mapped to a typed JS error
// class by lib/errors.ts) and a message of the form "[where] what".
#pragma once

#include <stdexcept>
#include <string>

namespace ce {

struct Error : std::runtime_error {
  std::string code;
  Error(std::string code_, const std::string& message)
      : std::runtime_error(message), code(std::move(code_)) {}
};

// Codes shared with lib/errors.ts. Keep the two lists in step.
namespace codes {
inline constexpr const char* kInvalidArgument = "INVALID_ARGUMENT";
inline constexpr const char* kModelFormat = "MODEL_FORMAT";
inline constexpr const char* kUnsupported = "UNSUPPORTED_MODEL";
inline constexpr const char* kIo = "MODEL_IO";
inline constexpr const char* kContextOverflow = "CONTEXT_OVERFLOW";
inline constexpr const char* kDisposed = "DISPOSED";
inline constexpr const char* kInternal = "NATIVE_ERROR";
}  // namespace codes

}  // namespace ce
