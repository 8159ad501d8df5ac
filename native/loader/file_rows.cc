#include "loader/file_rows.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/errors.h"
#include "kernels/kquant_linear.h"
#include "loader/ggml_quants.h"

namespace ce {

FileRows::FileRows(const TensorSpec& spec, int type)
    : file_(spec.file), offset_(spec.offset), type_(type), rows_(spec.shape.at(0)), cols_(spec.shape.at(1)) {
  const auto layout = quant::block_layout(type);
  if (!layout || cols_ % layout->elements != 0)
    throw Error(codes::kModelFormat, "[load] " + spec.name + ": rows cannot be read one at a time");
  row_bytes_ = static_cast<size_t>(cols_ / layout->elements) * layout->bytes;
  fd_ = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(codes::kIo, "[load] cannot open " + file_ + ": " + std::strerror(errno));
}

FileRows::~FileRows() {
  if (fd_ >= 0) ::close(fd_);
}

mx::array FileRows::gather(const std::vector<int>& ids) const {
  const int64_t n = static_cast<int64_t>(ids.size());
  std::vector<float> out(static_cast<size_t>(n * cols_));
  std::vector<uint8_t> raw(row_bytes_);
  const auto affine = quant::affine_shape(type_);
  std::vector<uint32_t> packed;
  std::vector<uint16_t> scales, biases;
  if (affine) {
    packed.resize(static_cast<size_t>(cols_ * affine->bits / 32));
    scales.resize(static_cast<size_t>(cols_ / affine->group));
    biases.resize(scales.size());
  }
  for (int64_t i = 0; i < n; ++i) {
    const int id = ids[i];
    if (id < 0 || id >= rows_) throw Error(codes::kInvalidArgument, "[forward] token id " + std::to_string(id) + " is outside the embedding table");
    size_t done = 0;
    while (done < row_bytes_) {
      const ssize_t got = ::pread(fd_, raw.data() + done, row_bytes_ - done,
                                  static_cast<off_t>(offset_ + static_cast<uint64_t>(id) * row_bytes_ + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw Error(codes::kIo, "[forward] cannot read embedding row " + std::to_string(id) + " from " + file_);
      done += static_cast<size_t>(got);
    }
    float* row = out.data() + i * cols_;
    if (kernels::kquant_supported(type_)) {  // the values the K-quant kernels compute with
      kernels::kquant_dequantize_row(type_, raw.data(), cols_, row);
      continue;
    }
    if (!affine) {
      quant::dense_to_f32(type_, raw.data(), cols_, row);
      continue;
    }
    // The same conversion as the in-memory path, then scale * code + bias.
    quant::to_affine(type_, raw.data(), 1, cols_, packed.data(), scales.data(), biases.data());
    const uint32_t mask = (1u << affine->bits) - 1;
    for (int64_t k = 0; k < cols_; ++k) {
      const int64_t bit = k * affine->bits;
      const uint32_t code = (packed[bit / 32] >> (bit % 32)) & mask;
      const int64_t g = k / affine->group;
      row[k] = quant::half_to_float(scales[g]) * static_cast<float>(code) + quant::half_to_float(biases[g]);
    }
  }
  return mx::array(out.begin(), {static_cast<int>(n), static_cast<int>(cols_)}, mx::float32);
}

}  // namespace ce
