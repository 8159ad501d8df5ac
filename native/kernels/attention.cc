#include "kernels/attention.h"
#include "common/op_counts.h"

#include "kernels/cpu_kernels.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"

namespace ce::kernels {

namespace {

class CachedAttention : public mx::UnaryPrimitive {
 public:
  CachedAttention(mx::Stream stream, int start, float scale) : mx::UnaryPrimitive(stream), start_(start), scale_(scale) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    op_counts::bump(op_counts::kAttention);
    const mx::array &q = inputs[0], &k = inputs[1], &v = inputs[2];
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    encoder.set_input_array(q);
    encoder.set_input_array(k);
    encoder.set_input_array(v);
    encoder.set_output_array(out);
    const int H = q.shape(1), L = q.shape(2), D = q.shape(3), KV = k.shape(1), capacity = k.shape(2);
    encoder.dispatch([qp = q.data<float>(), kp = k.data<float>(), vp = v.data<float>(), op = out.data<float>(), H, KV,
                      L, D, capacity, start = start_, scale = scale_]() {
      attend_cpu(qp, kp, vp, op, H, KV, L, D, capacity, start, scale);
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[CachedAttention] has no GPU implementation");  // the op picks MLX's on GPU
  }

  const char* name() const override { return "CompilerExpertCachedAttention"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const CachedAttention&>(other);
    return o.start_ == start_ && o.scale_ == scale_;
  }

 private:
  int start_;
  float scale_;
};

}  // namespace

mx::array cached_attention(const mx::array& q, const mx::array& keys, const mx::array& values, int start, float scale,
                           bool stock, mx::StreamOrDevice s) {
  const mx::Stream stream = mx::to_stream(s);
  const int H = q.shape(1), L = q.shape(2), D = q.shape(3), KV = keys.shape(1);
  const bool ours = !stock && stream.device == mx::Device::cpu && q.dtype() == mx::float32 && keys.dtype() == mx::float32 &&
                    values.dtype() == mx::float32 && H % KV == 0 && start + L <= keys.shape(2);
  if (!ours) {
    const mx::Shape end = {1, KV, start + L, D};
    return mx::fast::scaled_dot_product_attention(q, mx::slice(keys, {0, 0, 0, 0}, end, s),
                                                  mx::slice(values, {0, 0, 0, 0}, end, s), scale,
                                                  L > 1 ? "causal" : "", {}, {}, false, s);
  }
  return mx::array(q.shape(), mx::float32, std::make_shared<CachedAttention>(stream, start, scale),
                   {mx::contiguous(q, false, stream), mx::contiguous(keys, false, stream),
                    mx::contiguous(values, false, stream)});
}

}  // namespace ce::kernels
