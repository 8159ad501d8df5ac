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

// Caps the threads of the parallel_for calls that follow (0: no cap, the whole pool). The
// addon sets it from a model's `threads` before each piece of that model's work; all of
// it runs on the one MLX thread, one piece at a time, so a cap never mixes two models.
void set_call_threads(int n);

void parallel_for(int n, const std::function<void(int begin, int end)>& fn);

// Threads the last parallel_for with more than one item of work used (for tests).
int last_parallel_parts();

}  // namespace ce::kernels
