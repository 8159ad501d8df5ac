// All MLX work in the process runs on one dedicated thread, and JavaScript only
// ever sees Promises. MLX builds and evaluates graphs with shared state that is
// not safe to drive from several threads at once, and libuv's pool has only four
// threads, so compute never borrows them.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>

namespace ce::addon {

// Per-environment state (main thread, each worker_thread or Electron utility
// process has its own): the channel that carries finished jobs back to JS.
class AddonData;

// Runs `work` on the MLX thread; then, on the JS thread, resolves the returned
// Promise with `to_js(env)` or rejects it with a typed error (code + message).
// `work` returns the continuation that builds the JS value, so native results
// move into JS without a second copy.
using ToJs = std::function<Napi::Value(Napi::Env)>;
Napi::Promise run_on_mlx_thread(Napi::Env env, std::function<ToJs()> work);

// Runs `fn` on the MLX thread without waiting (used to release native memory).
void post_to_mlx_thread(std::function<void()> fn);

// Throws a JS Error with a `code` property (see lib/errors.ts).
[[noreturn]] void throw_js(Napi::Env env, const std::string& code, const std::string& message);
Napi::Error make_js_error(Napi::Env env, const std::string& code, const std::string& message);

void init_mlx_thread(Napi::Env env);

}  // namespace ce::addon
