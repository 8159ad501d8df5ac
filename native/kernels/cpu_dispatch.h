// Which tier of CPU kernels runs. Shipped binaries are built for the baseline of
// their architecture (no -march=native); the SIMD tiers are compiled per function
// with target attributes and picked here at run time from what the CPU reports.
#pragma once

namespace ce::kernels {

// In order of preference; every tier computes the same integer dot products.
enum class Kernel { kPortable, kAvx2, kVnni };

// The best tier the CPU has, unless capped.
Kernel active_kernel();

// Which kernel runs here: "avx512-vnni", "avx2" or "portable".
const char* cpu_kernel_name();

// Caps the kernel at "portable", "avx2" or anything else for no cap (tests and
// comparisons; COMPILER_EXPERT_KERNEL sets it at start). Returns the kernel that
// ran before.
const char* cap_cpu_kernel(const char* name);

}  // namespace ce::kernels
