#include "addon/mlx_thread.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "common/errors.h"
#include "mlx/memory.h"

namespace ce::addon {

namespace {

// MLX keeps freed buffers for reuse, by default up to its memory limit: after one
// long prefill that is hundreds of MB of resident memory. Decode reuses small
// buffers only, so a modest cache keeps its speed and bounds the footprint.
constexpr size_t kMlxCacheBytes = 64 << 20;

// The worker thread is never joined: it lives for the whole process (a static
// std::thread joined at exit would race with library teardown).
class MlxThread {
 public:
  static MlxThread& get() {
    static MlxThread* instance = new MlxThread();
    return *instance;
  }
  void post(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(fn));
    }
    cv_.notify_one();
  }

 private:
  MlxThread() : thread_([this] { loop(); }) { thread_.detach(); }
  void loop() {
    mlx::core::set_cache_limit(kMlxCacheBytes);
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return !queue_.empty(); });
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::thread thread_;
};

struct Job;
void settle(Napi::Env env, Napi::Function, std::nullptr_t*, Job* job);
using Channel = Napi::TypedThreadSafeFunction<std::nullptr_t, Job, settle>;

}  // namespace

class AddonData {
 public:
  Channel channel;
  int pending = 0;  // jobs in flight; the channel keeps the loop alive only then
};

namespace {

struct Job {
  AddonData* data;
  Napi::Promise::Deferred deferred;
  std::function<ToJs()> work;
  ToJs to_js;
  std::string error_code, error_message;
};

void settle(Napi::Env env, Napi::Function, std::nullptr_t*, Job* job) {
  std::unique_ptr<Job> owned(job);
  if (env == nullptr) return;  // environment is shutting down
  AddonData* data = job->data;
  if (--data->pending == 0) data->channel.Unref(env);
  Napi::HandleScope scope(env);
  if (!job->error_code.empty()) {
    job->deferred.Reject(make_js_error(env, job->error_code, job->error_message).Value());
    return;
  }
  try {
    job->deferred.Resolve(job->to_js(env));
  } catch (const Napi::Error& e) {
    job->deferred.Reject(e.Value());
  } catch (const std::exception& e) {
    job->deferred.Reject(make_js_error(env, codes::kInternal, e.what()).Value());
  }
}

}  // namespace

Napi::Error make_js_error(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Value().Set("code", Napi::String::New(env, code));
  return err;
}

void throw_js(Napi::Env env, const std::string& code, const std::string& message) {
  throw make_js_error(env, code, message);
}

Napi::Promise run_on_mlx_thread(Napi::Env env, std::function<ToJs()> work) {
  AddonData* data = env.GetInstanceData<AddonData>();
  auto* job = new Job{data, Napi::Promise::Deferred::New(env), std::move(work), nullptr, {}, {}};
  Napi::Promise promise = job->deferred.Promise();
  if (data->pending++ == 0) data->channel.Ref(env);
  MlxThread::get().post([job] {
    try {
      job->to_js = job->work();
    } catch (const ce::Error& e) {
      job->error_code = e.code;
      job->error_message = e.what();
    } catch (const std::exception& e) {
      job->error_code = codes::kInternal;
      job->error_message = std::string("[mlx] ") + e.what();
    } catch (...) {
      job->error_code = codes::kInternal;
      job->error_message = "[mlx] unknown native exception";
    }
    job->work = nullptr;  // release captured native state on this thread
    if (job->data->channel.BlockingCall(job) != napi_ok) delete job;
  });
  return promise;
}

void post_to_mlx_thread(std::function<void()> fn) {
  MlxThread::get().post([fn = std::move(fn)] {
    try {
      fn();
    } catch (const std::exception&) {
      // Releasing memory cannot usefully fail; nothing to report to.
    }
  });
}

namespace {
void keep_alive(Napi::Env, AddonData*) {}
}  // namespace

void init_mlx_thread(Napi::Env env) {
  auto* data = new AddonData();
  data->channel = Channel::New(env, "compiler-expert:mlx", 0, 1);
  data->channel.Unref(env);
  // Never freed: a job still running on the MLX thread at teardown may touch it.
  env.SetInstanceData<AddonData, keep_alive>(data);
  env.AddCleanupHook([data] { data->channel.Release(); });
}

}  // namespace ce::addon
