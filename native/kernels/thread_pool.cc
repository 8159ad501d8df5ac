#include "kernels/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace ce::kernels {

namespace {

int default_threads() {
  if (const char* env = std::getenv("COMPILER_EXPERT_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return std::min(n, 256);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// Workers wait for a generation counter to move; the caller runs the first range
// itself, so a 1-thread pool has no workers at all.
class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    stop();
    stopping_ = false;
    // New workers start from the current generation: earlier jobs are not theirs.
    const uint64_t now = generation_;
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i, now] { work(i, now); });
  }

  void run(int n, const std::function<void(int, int)>& fn) {
    const int parts = std::min(size(), n);
    if (parts <= 1) {
      if (n > 0) fn(0, n);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fn_ = &fn;
      n_ = n;
      parts_ = parts;
      pending_ = parts - 1;
      ++generation_;
    }
    cv_.notify_all();
    fn(0, chunk_end(0));
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  int chunk_end(int part) const { return static_cast<int>(static_cast<long>(n_) * (part + 1) / parts_); }

  void work(int index, uint64_t seen) {
    for (;;) {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      if (index >= parts_) continue;
      const auto* fn = fn_;
      const int begin = static_cast<int>(static_cast<long>(n_) * index / parts_), end = chunk_end(index);
      lock.unlock();
      (*fn)(begin, end);
      lock.lock();
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int, int)>* fn_ = nullptr;
  int n_ = 0, parts_ = 1, pending_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
};

std::mutex& pool_mutex() {
  static std::mutex m;
  return m;
}

// Leaked on purpose: joining worker threads from a static destructor at process
// exit can deadlock.
Pool& pool() {
  static Pool* p = new Pool(default_threads());
  return *p;
}

}  // namespace

int thread_count() {
  std::lock_guard<std::mutex> lock(pool_mutex());
  return pool().size();
}

void set_thread_count(int n) {
  std::lock_guard<std::mutex> lock(pool_mutex());
  pool().resize(std::clamp(n, 1, 256));
}

void parallel_for(int n, const std::function<void(int, int)>& fn) {
  std::lock_guard<std::mutex> lock(pool_mutex());
  pool().run(n, fn);
}

}  // namespace ce::kernels
