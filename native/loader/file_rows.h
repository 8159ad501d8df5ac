// Rows of a GGUF matrix read from the model file when asked for, as float32.
//
// An untied embedding table is only ever looked up a few rows per step, yet it is
// one of the largest tensors (Qwen2.5-1.5B: 151,936 x 1,536, ~146 MB as 4-bit).
// Reading its rows on demand keeps that off the resident set; the page cache keeps
// hot rows fast. The file must not change while the model is loaded (as with mmap).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loader/tensor_store.h"
#include "mlx/mlx.h"

namespace ce {

class FileRows {
 public:
  // `type` is a GGML type the loader converts (affine) or a dense float type.
  FileRows(const TensorSpec& spec, int type);
  ~FileRows();
  FileRows(const FileRows&) = delete;
  FileRows& operator=(const FileRows&) = delete;

  int64_t rows() const { return rows_; }
  // float32 [ids.size(), cols]; exactly the values the in-memory table would give.
  mx::array gather(const std::vector<int>& ids) const;

 private:
  std::string file_;
  int fd_ = -1;
  uint64_t offset_;
  int type_;
  int64_t rows_, cols_;
  size_t row_bytes_;
};

}  // namespace ce
