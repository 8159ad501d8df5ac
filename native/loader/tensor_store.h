// Reads the tensors a model needs from their files, given a manifest built by the
// TypeScript loaders (which parse GGUF / safetensors headers and validate them
// first). Every read is bounds-checked again here: a bad manifest or a file that
// changed underneath gives a ce::Error, never a crash.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mlx/mlx.h"

namespace ce {

class FileRows;

namespace mx = mlx::core;

// Where one tensor's bytes are and what they hold. `type` is a GGML type name
// ("Q4_K", "F16", ...) or a safetensors dtype ("F32", "BF16", "U32", ...).
// `shape` is row-major, outermost first (MLX order).
struct TensorSpec {
  std::string name;
  std::string file;
  std::string type;
  uint64_t offset = 0;
  uint64_t nbytes = 0;
  std::vector<int64_t> shape;
};

// MLX-quantized safetensors (mlx-community): a linear's weight is U32 codes with
// sibling `.scales` / `.biases`, quantized as described here.
struct MlxQuantization {
  int bits = 0;
  int group_size = 0;
};

// A matrix used as y = x W^T (+ bias): dense float32, affine-quantized (codes of
// `bits` bits, a scale and bias per `group`), or GGUF K-quant super-blocks kept as
// the file has them (`kquant` = their GGML type; weight is uint8 [rows, row bytes]).
struct Linear {
  mx::array weight{0.0f};
  std::optional<mx::array> scales, biases, bias;
  int bits = 0;
  int group = 0;
  int kquant = 0;
  bool stock = false;  // stock MLX quantized_matmul even where our kernels would run

  bool quantized() const { return bits != 0; }
  int64_t out_features() const { return weight.shape(0); }
  mx::array apply(const mx::array& x) const;
  // Rows of the matrix as float32 (embedding lookup).
  mx::array rows(const mx::array& ids) const;
};

class TensorStore {
 public:
  // stock_mlx: every Linear takes stock MLX ops, and K-quants are converted (see ModelConfig).
  TensorStore(std::vector<TensorSpec> specs, std::optional<MlxQuantization> mlx_quant, bool stock_mlx = false);
  ~TensorStore();

  bool has(const std::string& name) const;
  // A 1-D or 2-D dense tensor as float32.
  mx::array dense(const std::string& name);
  // The matrix `name` (e.g. "blk.0.attn_q") as a Linear; reads "<name>.weight"
  // and, when present, "<name>.bias" (and ".scales"/".biases" for MLX-quantized).
  // Q4_K/Q6_K weights stay K-quant blocks when the kernels run on the CPU
  // (COMPILER_EXPERT_KQUANT=0 converts them to the affine form instead).
  Linear linear(const std::string& name);
  // "<name>.weight" readable row by row from its file (a GGUF matrix of a type the
  // loader converts, in a file that holds all of it), or null.
  std::unique_ptr<FileRows> file_rows(const std::string& name);
  uint64_t bytes_loaded() const { return bytes_loaded_; }

 private:
  const TensorSpec& spec(const std::string& name) const;
  std::vector<uint8_t> read(const TensorSpec& s);
  // Bytes [from, from + count) of a tensor already checked with check_in_file.
  void read_into(const TensorSpec& s, uint64_t from, uint64_t count, uint8_t* dst);
  void check_in_file(const TensorSpec& s);
  int fd_for(const std::string& file);

  std::map<std::string, TensorSpec> specs_;
  std::optional<MlxQuantization> mlx_quant_;
  bool stock_mlx_ = false;
  std::map<std::string, int> fds_;
  uint64_t bytes_loaded_ = 0;
};

}  // namespace ce
