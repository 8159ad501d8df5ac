// arm64 helpers shared by the NEON kernels. The dot-product instructions (sdot) are
// an ARMv8.2 extension: functions using them carry this target attribute, and run
// only where cpu_dispatch found the feature.
#pragma once

#if defined(__aarch64__)
#include <arm_neon.h>
#define CE_ARM64 1
#if defined(__clang__)
#define CE_NEON_DOT __attribute__((target("dotprod")))
#else
#define CE_NEON_DOT __attribute__((target("arch=armv8.2-a+dotprod")))
#endif

namespace ce::kernels {

// Sum of a + b*c for the four int32 lanes of 16 int8 products pairs, as one vector.
CE_NEON_DOT inline int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) { return vdotq_s32(acc, a, b); }

inline int8x16_t as_s8(uint8x16_t v) { return vreinterpretq_s8_u8(v); }

// Four scales at g: float16 or float32.
inline float32x4_t load4(const void* p, bool half, int g) {
  if (half) return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(static_cast<const uint16_t*>(p) + g)));
  return vld1q_f32(static_cast<const float*>(p) + g);
}

}  // namespace ce::kernels
#endif
