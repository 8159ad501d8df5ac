// Phase timers for finding where a step's time goes, off unless COMPILER_EXPERT_PROFILE
// is set: then each named phase accumulates its wall time and count, and the totals are
// printed to stderr at exit. One branch per scope when off.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace ce::profile {

struct Phase {
  const char* name;
  std::atomic<long long> ns{0};
  std::atomic<long long> count{0};
};

inline bool enabled() {
  static const bool on = std::getenv("COMPILER_EXPERT_PROFILE") != nullptr;
  return on;
}

class Registry {
 public:
  static Registry& get() {
    static Registry r;
    return r;
  }
  Phase* phase(const char* name) {
    std::lock_guard<std::mutex> lock(mu_);
    phases_.push_back(new Phase{name});
    return phases_.back();
  }
  ~Registry() {
    if (!enabled()) return;
    for (Phase* p : phases_)
      std::fprintf(stderr, "[profile] %-22s %10.1f ms  %8lld calls\n", p->name, p->ns.load() / 1e6, p->count.load());
  }

 private:
  std::mutex mu_;
  std::vector<Phase*> phases_;
};

class Scope {
 public:
  explicit Scope(Phase* p) : p_(enabled() ? p : nullptr) {
    if (p_) t0_ = std::chrono::steady_clock::now();
  }
  ~Scope() {
    if (!p_) return;
    p_->ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0_).count();
    p_->count += 1;
  }

 private:
  Phase* p_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace ce::profile

#define CE_PROFILE_CAT2(a, b) a##b
#define CE_PROFILE_CAT(a, b) CE_PROFILE_CAT2(a, b)
// Times the rest of the enclosing block as phase NAME (a string literal).
#define CE_PROFILE(NAME)                                                                      \
  static ::ce::profile::Phase* CE_PROFILE_CAT(ce_phase_, __LINE__) = ::ce::profile::Registry::get().phase(NAME); \
  ::ce::profile::Scope CE_PROFILE_CAT(ce_scope_, __LINE__)(CE_PROFILE_CAT(ce_phase_, __LINE__))
