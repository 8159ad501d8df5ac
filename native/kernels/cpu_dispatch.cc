#include "kernels/cpu_dispatch.h"

#include <atomic>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#elif defined(__aarch64__) && defined(__APPLE__)
#include <sys/sysctl.h>
#endif

namespace ce::kernels {

namespace {

#if defined(__x86_64__) || defined(_M_X64)
// F16C (CPUID.1:ECX bit 29) by cpuid: clang's __builtin_cpu_supports does not know "f16c".
bool has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 29)) != 0;
}
#endif

Kernel best_kernel() {
#if defined(__x86_64__) || defined(_M_X64)
  static const Kernel best = [] {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || !has_f16c())
      return Kernel::kPortable;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
      return Kernel::kVnni;
    return Kernel::kAvx2;
  }();
  return best;
#elif defined(__aarch64__) && defined(__linux__)
  static const Kernel best = (getauxval(AT_HWCAP) & (1UL << 20)) ? Kernel::kNeonDot : Kernel::kPortable;  // HWCAP_ASIMDDP
  return best;
#elif defined(__aarch64__) && defined(__APPLE__)
  static const Kernel best = [] {
    int yes = 0;
    size_t size = sizeof yes;
    return sysctlbyname("hw.optional.arm.FEAT_DotProd", &yes, &size, nullptr, 0) == 0 && yes ? Kernel::kNeonDot
                                                                                               : Kernel::kPortable;
  }();
  return best;
#else
  return Kernel::kPortable;
#endif
}

enum class Cap { kNone, kAvx2, kPortable };

Cap parse(const char* name) {
  const std::string v = name ? name : "";
  return v == "portable" ? Cap::kPortable : v == "avx2" ? Cap::kAvx2 : Cap::kNone;
}

std::atomic<Cap> g_cap{parse(std::getenv("COMPILER_EXPERT_KERNEL"))};

}  // namespace

Kernel active_kernel() {
  const Kernel best = best_kernel();
  switch (g_cap.load(std::memory_order_relaxed)) {
    case Cap::kPortable: return Kernel::kPortable;
    case Cap::kAvx2: return best == Kernel::kVnni ? Kernel::kAvx2 : best;
    default: return best;
  }
}

const char* cpu_kernel_name() {
  switch (active_kernel()) {
    case Kernel::kVnni: return "avx512-vnni";
    case Kernel::kAvx2: return "avx2";
    case Kernel::kNeonDot: return "neon-dotprod";
    default: return "portable";
  }
}

const char* cap_cpu_kernel(const char* name) {
  const char* before = cpu_kernel_name();
  g_cap.store(parse(name));
  return before;
}

}  // namespace ce::kernels
