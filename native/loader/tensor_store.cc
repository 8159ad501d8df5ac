#include "loader/tensor_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/errors.h"
#include "kernels/kquant_linear.h"
#include "kernels/quantized_linear.h"
#include "kernels/thread_pool.h"
#include "loader/file_rows.h"
#include "loader/ggml_quants.h"

namespace ce {

namespace {

const std::map<std::string, int>& ggml_types() {
  static const std::map<std::string, int> types = {
      {"F32", quant::F32},   {"F16", quant::F16},   {"BF16", quant::BF16},
      {"Q4_0", quant::Q4_0}, {"Q4_1", quant::Q4_1}, {"Q5_0", quant::Q5_0},
      {"Q5_1", quant::Q5_1}, {"Q8_0", quant::Q8_0}, {"Q4_K", quant::Q4_K},
      {"Q5_K", quant::Q5_K}, {"Q6_K", quant::Q6_K},
  };
  return types;
}

[[noreturn]] void format_error(const TensorSpec& s, const std::string& what) {
  throw Error(codes::kModelFormat, "[load] tensor '" + s.name + "' in " + s.file + ": " + what);
}

int64_t element_count(const TensorSpec& s) {
  int64_t n = 1;
  for (int64_t d : s.shape) {
    if (d <= 0 || d > (int64_t{1} << 32)) format_error(s, "bad dimension " + std::to_string(d));
    n *= d;
    if (n > (int64_t{1} << 40)) format_error(s, "too many elements");
  }
  return n;
}

// Raw bytes read per slice while converting a quantized tensor.
constexpr size_t kLoadSliceBytes = 16 << 20;

// Wraps a malloc'd buffer in an MLX array without copying; MLX frees it.
template <typename T>
mx::array adopt(T* data, mx::Shape shape, mx::Dtype dtype) {
  return mx::array(static_cast<void*>(data), std::move(shape), dtype, [](void* p) { std::free(p); });
}

template <typename T>
T* alloc(int64_t n) {
  void* p = std::malloc(static_cast<size_t>(n) * sizeof(T));
  if (!p) throw Error(codes::kIo, "[load] out of memory allocating " + std::to_string(n * sizeof(T)) + " bytes");
  return static_cast<T*>(p);
}

// K-quant weights stay as blocks for our CPU kernels; MLX's GPU kernels need the
// affine form, and so does a model on the stock MLX path (`stock`).
bool keep_kquant_blocks(bool stock) {
  static const bool yes = [] {
    const char* env = std::getenv("COMPILER_EXPERT_KQUANT");
    return !(env && std::string(env) == "0");
  }();
  return yes && !stock && mx::default_device() == mx::Device::cpu;
}

mx::Shape to_shape(const std::vector<int64_t>& dims) {
  mx::Shape shape;
  for (int64_t d : dims) shape.push_back(static_cast<int>(d));
  return shape;
}

}  // namespace

mx::array Linear::apply(const mx::array& x) const {
  mx::array y = kquant      ? kernels::kquant_linear(x, weight, kquant)
                : quantized() ? kernels::quantized_linear(x, weight, *scales, *biases, group, bits, stock)
                              : mx::matmul(x, mx::transpose(weight));
  return bias ? mx::add(y, *bias) : y;
}

mx::array Linear::rows(const mx::array& ids) const {
  if (kernels::kquant_is_packed(kquant)) {  // row i lives in group i / 8: dequantize it from there
    const int64_t cols = weight.shape(1) / kernels::kquant_row_bytes(kquant, 256) * 256;
    const mx::array at = mx::astype(ids, mx::int64);
    mx::eval(at);
    const int n = static_cast<int>(at.size());
    std::vector<float> out(static_cast<size_t>(n * cols));
    for (int i = 0; i < n; ++i)
      kernels::kquant_dequantize_packed_row(kquant, weight.data<uint8_t>(), at.data<int64_t>()[i], cols, out.data() + i * cols);
    return mx::array(out.begin(), {n, static_cast<int>(cols)}, mx::float32);
  }
  if (kquant) {  // a few rows per step: gather their blocks, dequantize them here
    mx::array raw = mx::take(weight, ids, 0);
    mx::eval(raw);
    const int n = raw.shape(0);
    const int64_t row_bytes = raw.shape(1);
    const int64_t cols = row_bytes / kernels::kquant_row_bytes(kquant, 256) * 256;
    std::vector<float> out(static_cast<size_t>(n * cols));
    for (int i = 0; i < n; ++i)
      kernels::kquant_dequantize_row(kquant, raw.data<uint8_t>() + i * row_bytes, cols, out.data() + i * cols);
    return mx::array(out.begin(), {n, static_cast<int>(cols)}, mx::float32);
  }
  if (!quantized()) return mx::take(weight, ids, 0);
  // Scales may be float16 (GGUF conversions): dequantize in float32.
  return mx::dequantize(mx::take(weight, ids, 0), mx::astype(mx::take(*scales, ids, 0), mx::float32),
                        mx::astype(mx::take(*biases, ids, 0), mx::float32), group, bits);
}

TensorStore::TensorStore(std::vector<TensorSpec> specs, std::optional<MlxQuantization> mlx_quant, bool stock_mlx)
    : mlx_quant_(mlx_quant), stock_mlx_(stock_mlx) {
  for (auto& s : specs) specs_.emplace(s.name, std::move(s));
}

TensorStore::~TensorStore() {
  for (auto& [file, fd] : fds_) ::close(fd);
}

bool TensorStore::has(const std::string& name) const { return specs_.count(name) != 0; }

const TensorSpec& TensorStore::spec(const std::string& name) const {
  auto it = specs_.find(name);
  if (it == specs_.end()) throw Error(codes::kModelFormat, "[load] missing tensor '" + name + "'");
  return it->second;
}

int TensorStore::fd_for(const std::string& file) {
  auto it = fds_.find(file);
  if (it != fds_.end()) return it->second;
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(codes::kIo, "[load] cannot open " + file + ": " + std::strerror(errno));
  fds_.emplace(file, fd);
  return fd;
}

void TensorStore::check_in_file(const TensorSpec& s) {
  struct stat st {};
  if (::fstat(fd_for(s.file), &st) != 0) throw Error(codes::kIo, "[load] cannot stat " + s.file);
  if (s.offset > static_cast<uint64_t>(st.st_size) || s.nbytes > static_cast<uint64_t>(st.st_size) - s.offset)
    format_error(s, "data runs past the end of the file (truncated?)");
}

void TensorStore::read_into(const TensorSpec& s, uint64_t from, uint64_t count, uint8_t* dst) {
  const int fd = fd_for(s.file);
  uint64_t done = 0;
  while (done < count) {
    const ssize_t n = ::pread(fd, dst + done, count - done, static_cast<off_t>(s.offset + from + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(codes::kIo, "[load] read failed for " + s.file + ": " + std::strerror(errno));
    done += static_cast<uint64_t>(n);
  }
  bytes_loaded_ += count;
}

std::vector<uint8_t> TensorStore::read(const TensorSpec& s) {
  check_in_file(s);
  std::vector<uint8_t> buf(s.nbytes);
  read_into(s, 0, s.nbytes, buf.data());
  return buf;
}

mx::array TensorStore::dense(const std::string& name) {
  const TensorSpec& s = spec(name);
  const int64_t n = element_count(s);
  auto it = ggml_types().find(s.type);
  if (it == ggml_types().end() || !quant::block_layout(it->second) || quant::block_layout(it->second)->elements != 1)
    format_error(s, "expected a float tensor, found " + s.type);
  const int bytes_per = quant::block_layout(it->second)->bytes;
  if (s.nbytes != static_cast<uint64_t>(n * bytes_per)) format_error(s, "byte size does not match its shape");
  std::vector<uint8_t> raw = read(s);
  float* out = alloc<float>(n);
  quant::dense_to_f32(it->second, raw.data(), n, out);
  return adopt(out, to_shape(s.shape), mx::float32);
}

Linear TensorStore::linear(const std::string& name) {
  Linear lin;
  lin.stock = stock_mlx_;
  const TensorSpec& w = spec(name + ".weight");
  if (w.shape.size() != 2) format_error(w, "a matrix must have 2 dimensions");
  const int64_t rows = w.shape[0], cols = w.shape[1];
  const int64_t n = element_count(w);
  if (w.type == "U32") {  // MLX-quantized safetensors: codes already in MLX layout
    if (!mlx_quant_) format_error(w, "U32 weight but the model declares no quantization");
    lin.bits = mlx_quant_->bits;
    lin.group = mlx_quant_->group_size;
    const int64_t in_features = cols * 32 / lin.bits;
    const TensorSpec& sc = spec(name + ".scales");
    const TensorSpec& bi = spec(name + ".biases");
    if (w.nbytes != static_cast<uint64_t>(n * 4)) format_error(w, "byte size does not match its shape");
    for (const TensorSpec* t : {&sc, &bi})
      if (t->shape.size() != 2 || t->shape[0] != rows || t->shape[1] * lin.group != in_features)
        format_error(*t, "shape does not match the quantized weight");
    std::vector<uint8_t> raw = read(w);
    uint32_t* codes = alloc<uint32_t>(n);
    std::memcpy(codes, raw.data(), raw.size());
    lin.weight = adopt(codes, to_shape(w.shape), mx::uint32);
    lin.scales = dense(name + ".scales");
    lin.biases = dense(name + ".biases");
  } else {
    auto it = ggml_types().find(w.type);
    if (it == ggml_types().end()) format_error(w, "unsupported tensor type " + w.type);
    const int type = it->second;
    const auto layout = quant::block_layout(type);
    if (!layout) format_error(w, "unsupported tensor type " + w.type);
    if (cols % layout->elements != 0) format_error(w, "row length is not a whole number of blocks");
    if (w.nbytes != static_cast<uint64_t>(n / layout->elements * layout->bytes))
      format_error(w, "byte size does not match its shape");
    if (kernels::kquant_supported(type) && keep_kquant_blocks(stock_mlx_)) {
      check_in_file(w);
      const int64_t row_bytes = kernels::kquant_row_bytes(type, cols);
      uint8_t* blocks = alloc<uint8_t>(rows * row_bytes);
      read_into(w, 0, w.nbytes, blocks);
      lin.kquant = type;
      if (kernels::kquant_packs(type, rows)) {  // the VNNI kernels' layout (cpu_kernels.h)
        kernels::kquant_pack_rows(type, blocks, rows, cols, blocks);
        lin.kquant = kernels::kquant_packed_type(type);
      }
      lin.weight = adopt(blocks, {static_cast<int>(rows), static_cast<int>(row_bytes)}, mx::uint8);
    } else if (const auto affine = quant::affine_shape(type)) {
      check_in_file(w);
      uint32_t* packed = alloc<uint32_t>(n * affine->bits / 32);
      uint16_t* scales = alloc<uint16_t>(n / affine->group);
      uint16_t* biases = alloc<uint16_t>(n / affine->group);
      // Read and convert a slice of rows at a time, so loading never holds a whole
      // raw tensor (the output projection alone can be 200 MB) beside its conversion.
      // Conversion is CPU-bound (K-quant unpacking): each slice's rows are split over
      // the kernels' threads.
      const size_t src_row = static_cast<size_t>(cols / layout->elements) * layout->bytes;
      const size_t words_row = static_cast<size_t>(cols) * affine->bits / 32, groups_row = cols / affine->group;
      const int64_t slice = std::max<int64_t>(1, static_cast<int64_t>(kLoadSliceBytes / src_row));
      std::vector<uint8_t> raw(static_cast<size_t>(std::min(rows, slice)) * src_row);
      for (int64_t s0 = 0; s0 < rows; s0 += slice) {
        const int64_t count = std::min(slice, rows - s0);
        read_into(w, s0 * src_row, count * src_row, raw.data());
        kernels::parallel_for(static_cast<int>(count), [&](int r0, int r1) {
          const int64_t r = s0 + r0;
          quant::to_affine(type, raw.data() + r0 * src_row, r1 - r0, cols, packed + r * words_row,
                           scales + r * groups_row, biases + r * groups_row);
        });
      }
      lin.bits = affine->bits;
      lin.group = affine->group;
      lin.weight = adopt(packed, {static_cast<int>(rows), static_cast<int>(cols * affine->bits / 32)}, mx::uint32);
      lin.scales = adopt(scales, {static_cast<int>(rows), static_cast<int>(cols / affine->group)}, mx::float16);
      lin.biases = adopt(biases, {static_cast<int>(rows), static_cast<int>(cols / affine->group)}, mx::float16);
    } else {
      lin.weight = dense(name + ".weight");
    }
  }
  if (has(name + ".bias")) lin.bias = dense(name + ".bias");
  return lin;
}

std::unique_ptr<FileRows> TensorStore::file_rows(const std::string& name) {
  if (mlx_quant_ || !has(name + ".weight")) return nullptr;
  const TensorSpec& s = spec(name + ".weight");
  auto it = ggml_types().find(s.type);
  if (it == ggml_types().end() || s.shape.size() != 2) return nullptr;
  const auto layout = quant::block_layout(it->second);
  if (!layout || s.shape[1] % layout->elements != 0 ||
      s.nbytes != static_cast<uint64_t>(s.shape[0] * s.shape[1] / layout->elements * layout->bytes))
    return nullptr;
  check_in_file(s);
  return std::make_unique<FileRows>(s, it->second);
}

}  // namespace ce
