// How often each of our MLX primitives ran (always on: one relaxed increment per op). Tests
// read them to show which path a model took: a model on stock MLX ops must leave them all
// unchanged, one on our kernels must move them.
#pragma once

#include <atomic>

namespace ce::op_counts {

enum Op { kCpuLayer, kQuantizedLinear, kKquantLinear, kAttention, kCount };

inline std::atomic<long long>& counter(Op op) {
  static std::atomic<long long> counts[kCount];
  return counts[op];
}

inline void bump(Op op) { counter(op).fetch_add(1, std::memory_order_relaxed); }

}  // namespace ce::op_counts
