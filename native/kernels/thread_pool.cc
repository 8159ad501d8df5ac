#include "kernels/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define CE_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CE_PAUSE() asm volatile("yield")
#else
#define CE_PAUSE() ((void)0)
#endif

namespace ce::kernels {

namespace {

int default_threads() {
  if (const char* env = std::getenv("COMPILER_EXPERT_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return std::min(n, 256);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

// Decode runs a few hundred short parallel_for calls per token, so waking workers
// through a condition variable each time (tens of microseconds) would cost a large
// share of a token. Workers and the caller therefore spin on atomics for a short
// while (2000 pauses, tens of microseconds) before they sleep; an idle pool sleeps and costs nothing.
constexpr int kSpins = 2000;

// Workers watch a generation counter; the caller works too, so a 1-thread pool has
// no workers at all. [0, n) is handed out in chunks from an atomic counter rather
// than one fixed range per thread: a worker that wakes late, or shares its core with
// another process, then takes fewer chunks instead of making everyone wait for it.
// Few and long: every chunk is a fresh stream that the hardware prefetchers must pick
// up again, which the small matrices of a 135M model felt (8 chunks per thread decoded
// ~18% slower than 2); two still let a thread that is on time take half of a late one's work.
constexpr int kChunksPerThread = 2;
class Pool {
 public:
  explicit Pool(int threads) { resize(threads); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int threads) {
    stop();
    stopping_ = false;
    // New workers start from the current generation: earlier jobs are not theirs.
    const uint64_t now = generation_.load();
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, now, i] { work(i, now); });
  }

  void run(int n, const std::function<void(int, int)>& fn, int cap) {
    const int parts = std::min(cap > 0 ? std::min(cap, size()) : size(), n);
    if (parts <= 1) {
      if (n > 0) fn(0, n);
      return;
    }
    fn_ = &fn;
    n_ = n;
    active_ = parts;  // workers 1..parts-1 take chunks; the others only acknowledge
    chunk_ = std::max(1, n / (parts * kChunksPerThread));
    next_.store(0, std::memory_order_relaxed);
    // Every worker acknowledges every job, even one with no range for it, so none
    // can still be reading this job's fields when the next one writes them.
    pending_.store(size() - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);  // pairs with the sleepers' predicate check
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    take_chunks();
    for (int i = 0; i < kSpins; ++i) {
      if (pending_.load(std::memory_order_acquire) == 0) return;
      CE_PAUSE();
    }
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  }

 private:
  void take_chunks() {
    for (;;) {
      const int begin = next_.fetch_add(chunk_, std::memory_order_relaxed);
      if (begin >= n_) return;
      (*fn_)(begin, std::min(n_, begin + chunk_));
    }
  }

  void work(int index, uint64_t seen) {
    for (;;) {
      uint64_t now = generation_.load(std::memory_order_acquire);
      for (int i = 0; i < kSpins && now == seen && !stopping_.load(std::memory_order_relaxed); ++i) {
        CE_PAUSE();
        now = generation_.load(std::memory_order_acquire);
      }
      if (now == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stopping_.load() || generation_.load() != seen; });
        now = generation_.load(std::memory_order_acquire);
      }
      if (stopping_.load()) return;
      seen = now;
      if (index < active_) take_chunks();
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_cv_.notify_one();
      }
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
  // Written by the caller before the generation moves (release), read by workers
  // after they see it move (acquire).
  const std::function<void(int, int)>* fn_ = nullptr;
  int n_ = 0, chunk_ = 1, active_ = 1;
  std::atomic<int> next_{0};
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
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

namespace {
std::atomic<int> call_cap{0};
std::atomic<int> last_parts{0};
}

int last_parallel_parts() { return last_parts.load(); }

void set_call_threads(int n) { call_cap.store(std::max(0, n), std::memory_order_relaxed); }

void parallel_for(int n, const std::function<void(int, int)>& fn) {
  std::lock_guard<std::mutex> lock(pool_mutex());
  const int cap = call_cap.load(std::memory_order_relaxed);
  if (n > 1) last_parts.store(std::min(cap > 0 ? std::min(cap, pool().size()) : pool().size(), n), std::memory_order_relaxed);
  pool().run(n, fn, cap);
}

}  // namespace ce::kernels
