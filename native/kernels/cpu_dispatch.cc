#include "kernels/cpu_dispatch.h"

#include <atomic>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
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

bool amx_int8_usable() {
#if (defined(__x86_64__) || defined(_M_X64)) && defined(__linux__)
  static const bool granted = [] {
    const char* env = std::getenv("COMPILER_EXPERT_AMX");
    if (env && std::string(env) == "0") return false;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 24)) || !(d & (1u << 25))) return false;  // AMX-TILE, AMX-INT8
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return false;  // OSXSAVE
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & (3u << 17)) != (3u << 17)) return false;  // XCR0: TILECFG and TILEDATA saved
    constexpr long kReqXcompPerm = 0x1023, kXfeatureTileData = 18;  // asm/prctl.h, since Linux 5.16
    return syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureTileData) == 0;
  }();
  return granted && active_kernel() == Kernel::kVnni;
#else
  return false;
#endif
}

const char* cap_cpu_kernel(const char* name) {
  const char* before = cpu_kernel_name();
  g_cap.store(parse(name));
  return before;
}

}  // namespace ce::kernels
