// How the CPU linear kernels split out[M, N] = x W^T over threads: each thread takes
// a contiguous range of weight rows, so in decode every weight is read once per token
// by one thread. In prefill a tile of activation rows stays in L2 while each thread
// streams its weight rows past it, so weights are read from memory once per tile
// (they were read once per 4 rows before). Each call handles up to kRowBlock rows of
// x against one weight row, so each weight is unpacked once for several tokens.
#pragma once

#include <algorithm>
#include <cstddef>

#include "kernels/thread_pool.h"

namespace ce::kernels {

constexpr int kRowBlock = 4;                   // rows of x per kernel call
constexpr size_t kActivationTile = 256 << 10;  // bytes of int8 activations kept in L2 while weights stream

// fn(n, m0, rows): output column n for x rows [m0, m0 + rows), rows <= kRowBlock.
template <typename Fn>
void for_row_tiles(int M, int N, size_t activation_row_bytes, const Fn& fn) {
  const int tile = std::max(kRowBlock, static_cast<int>(kActivationTile / activation_row_bytes) / kRowBlock * kRowBlock);
  parallel_for(N, [&](int begin, int end) {
    for (int t0 = 0; t0 < M; t0 += tile) {
      const int t1 = std::min(M, t0 + tile);
      for (int n = begin; n < end; ++n)
        for (int m0 = t0; m0 < t1; m0 += kRowBlock) fn(n, m0, std::min(kRowBlock, t1 - m0));
    }
  });
}

}  // namespace ce::kernels
