#include "kernels/cpu_dispatch.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

namespace ce::kernels {

namespace {

#if defined(__x86_64__) || defined(_M_X64)
bool cpu_has_avx2() {
  static const bool yes =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return yes;
}

bool cpu_has_vnni() {
  static const bool yes = cpu_has_avx2() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  return yes;
}
#endif

Kernel parse(const char* name) {
  const std::string v = name ? name : "";
  return v == "portable" ? Kernel::kPortable : v == "avx2" ? Kernel::kAvx2 : Kernel::kVnni;
}

std::atomic<int> g_kernel_cap{static_cast<int>(parse(std::getenv("COMPILER_EXPERT_KERNEL")))};

Kernel best_kernel() {
#if defined(__x86_64__) || defined(_M_X64)
  if (cpu_has_vnni()) return Kernel::kVnni;
  if (cpu_has_avx2()) return Kernel::kAvx2;
#endif
  return Kernel::kPortable;
}

}  // namespace

Kernel active_kernel() {
  return static_cast<Kernel>(std::min(static_cast<int>(best_kernel()), g_kernel_cap.load(std::memory_order_relaxed)));
}

const char* cpu_kernel_name() {
  switch (active_kernel()) {
    case Kernel::kVnni: return "avx512-vnni";
    case Kernel::kAvx2: return "avx2";
    default: return "portable";
  }
}

const char* cap_cpu_kernel(const char* name) {
  const char* before = cpu_kernel_name();
  g_kernel_cap.store(static_cast<int>(parse(name)));
  return before;
}

}  // namespace ce::kernels
