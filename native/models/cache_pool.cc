#include "models/cache_pool.h"

#include <optional>
#include <string>

#include "common/errors.h"

namespace ce {

std::shared_ptr<CachePool> CachePool::create(size_t keep_bytes) {
  return std::shared_ptr<CachePool>(new CachePool(keep_bytes));
}

CachePool::~CachePool() { close(); }

mx::array CachePool::take(const mx::Shape& shape, mx::Dtype dtype) {
  size_t bytes = dtype.size();
  for (int d : shape) bytes *= static_cast<size_t>(d);
  std::optional<mx::allocator::Buffer> buffer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = kept_.begin(); it != kept_.end(); ++it)
      if (it->first == bytes) {
        buffer = it->second;
        kept_bytes_ -= bytes;
        kept_.erase(it);
        break;
      }
  }
  if (!buffer) {
    buffer = mx::allocator::allocator().malloc(bytes);
    if (!buffer->ptr()) throw Error(codes::kInternal, "[fork] could not allocate " + std::to_string(bytes) + " bytes");
  }
  // The deleter holds only a weak reference: a buffer that outlives its model is freed.
  std::weak_ptr<CachePool> self = weak_from_this();
  mx::allocator::Data data(*buffer, [self, bytes](mx::allocator::Buffer b) {
    if (auto pool = self.lock()) pool->give(b, bytes);
    else mx::allocator::allocator().free(b);
  });
  return mx::array(std::move(data), shape, dtype);
}

void CachePool::give(mx::allocator::Buffer buffer, size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || bytes > keep_bytes_) {
    mx::allocator::allocator().free(buffer);
    return;
  }
  trim_locked(keep_bytes_ - bytes);
  kept_.emplace_front(bytes, buffer);
  kept_bytes_ += bytes;
}

void CachePool::trim_locked(size_t limit) {
  while (kept_bytes_ > limit && !kept_.empty()) {
    mx::allocator::allocator().free(kept_.back().second);
    kept_bytes_ -= kept_.back().first;
    kept_.pop_back();
  }
}

void CachePool::close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  trim_locked(0);
}

size_t CachePool::kept_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return kept_bytes_;
}

}  // namespace ce
