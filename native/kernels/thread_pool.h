// A small persistent thread pool for the CPU kernels: parallel_for hands [0, n) out
// in contiguous chunks (about 2 per thread) to the pool's threads and the caller,
// and blocks until all are done.
#pragma once

#include <functional>

namespace ce::kernels {

// Threads used by the kernels. Defaults to the hardware's core count, or
// COMPILER_EXPERT_THREADS when set.
int thread_count();
void set_thread_count(int n);

void parallel_for(int n, const std::function<void(int begin, int end)>& fn);

}  // namespace ce::kernels
