// Storage for forked KV caches, kept when a fork dies and handed to the next fork of
// the same size. A fork of the coder model's 1,000-token prefix writes 28 MiB; into
// fresh pages (glibc gives freed blocks back to the system) that took 16-40 ms of page
// faults, into reused ones 2-4 ms.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <utility>

#include "mlx/mlx.h"

namespace ce {

namespace mx = mlx::core;

class CachePool : public std::enable_shared_from_this<CachePool> {
 public:
  // Keeps at most `keep_bytes` of unused buffers (the oldest are freed first).
  static std::shared_ptr<CachePool> create(size_t keep_bytes);
  ~CachePool();

  // An uninitialised, evaluated array whose buffer comes back here when the array (and
  // every view of it) is gone.
  mx::array take(const mx::Shape& shape, mx::Dtype dtype);

  // Frees what is kept; buffers that come back later are freed at once.
  void close();

  size_t kept_bytes() const;

 private:
  explicit CachePool(size_t keep_bytes) : keep_bytes_(keep_bytes) {}
  void give(mx::allocator::Buffer buffer, size_t bytes);
  void trim_locked(size_t limit);

  mutable std::mutex mu_;
  std::list<std::pair<size_t, mx::allocator::Buffer>> kept_;  // most recently returned first
  size_t kept_bytes_ = 0;
  const size_t keep_bytes_;
  bool closed_ = false;
};

}  // namespace ce
