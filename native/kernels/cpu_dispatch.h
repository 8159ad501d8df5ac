// Which tier of CPU kernels runs. Shipped binaries are built for the baseline of
// their architecture (no -march=native); the SIMD tiers are compiled per function
// with target attributes and picked here at run time from what the CPU reports.
#pragma once

namespace ce::kernels {

// Every tier computes the same integer dot products. x86-64: AVX-512 VNNI, else
// AVX2 (+FMA, F16C). arm64: NEON with the dot-product instructions (ARMv8.2 DotProd:
// Apple M-series, Graviton 2+, Cortex-A76+). Anything else: portable loops.
enum class Kernel { kPortable, kAvx2, kVnni, kNeonDot };

// The best tier the CPU has, unless capped.
Kernel active_kernel();

// Which kernel runs here: "avx512-vnni", "avx2", "neon-dotprod" or "portable".
const char* cpu_kernel_name();

// Whether the VNNI tier may also use AMX int8 tile multiplies (Intel Sapphire Rapids and
// later): the CPU has AMX-TILE and AMX-INT8, the OS saves tile state and (Linux) granted
// this process the tile data, the tier is not capped, and COMPILER_EXPERT_AMX is not 0.
bool amx_int8_usable();

// Caps the kernel at "portable" or "avx2" (which leaves arm64 alone), or anything
// else for no cap (tests and comparisons; COMPILER_EXPERT_KERNEL sets it at start).
// Returns the kernel that ran before.
const char* cap_cpu_kernel(const char* name);

}  // namespace ce::kernels
