// A whole decoder layer as one MLX primitive, for the CPU.
//
// MLX runs every primitive as a task handed to its stream thread. On a CPU a decode
// step builds ~20 small ops per layer (norms, rotary embedding, cache writes, slices,
// the activation) whose hand-offs between threads cost far more than their arithmetic:
// ~0.4 ms per layer measured here, 10-11 ms of every token for both shipped models.
// This op runs the layer in a single task with the same kernels (quantized linears,
// cached attention) plus plain loops for the small parts, and writes the chunk's keys
// and values straight into the session's cache buffers.
//
// Used when the stream is the CPU and every projection of the layer runs on our
// quantized kernels; otherwise the layer is built from MLX ops (Transformer::attention).
#pragma once

#include "mlx/mlx.h"
#include "models/transformer.h"

namespace ce {

// Whether `b` can run as one op on `stream`.
bool cpu_layer_supported(const Block& b, const mx::Stream& stream);

// One sequence's part of a layer call: the layer's cache buffers of that sequence
// [1, KV, capacity, D] (row-contiguous, already evaluated, capacity >= start + rows;
// float16 as a model on these layers keeps them, or float32), and its `rows` new
// positions start..start+rows-1, which the op writes into them.
struct LayerCache {
  mx::array keys, values;
  int start = 0;
  int rows = 0;
};

// h [1, total rows, hidden] → the layer's output, same shape. The rows belong to the
// sequences of `caches` in order: one sequence for a prefill chunk or a step, N of one
// row each for a batched step (the projections then read each weight once for all N).
mx::array cpu_layer(const Block& b, const ModelConfig& c, const mx::array& h, const std::vector<LayerCache>& caches);

}  // namespace ce
