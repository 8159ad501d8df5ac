#include <cstdlib>
#include "common/op_counts.h"
#include <stdexcept>

#include "kernels/quantized_linear.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"

namespace ce::kernels {

namespace {

class QuantizedLinear : public mx::UnaryPrimitive {
 public:
  QuantizedLinear(mx::Stream stream, int group, int bits) : mx::UnaryPrimitive(stream), group_(group), bits_(bits) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    op_counts::bump(op_counts::kQuantizedLinear);
    const mx::array& x = inputs[0];
    const mx::array& w = inputs[1];
    const mx::array& scales = inputs[2];
    const mx::array& biases = inputs[3];
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    encoder.set_input_array(x);
    encoder.set_input_array(w);
    encoder.set_input_array(scales);
    encoder.set_input_array(biases);
    encoder.set_output_array(out);
    const int M = x.shape(0), K = x.shape(1), N = w.shape(0);
    const bool half = scales.dtype() == mx::float16;
    encoder.dispatch([xp = x.data<float>(), wp = w.data<uint32_t>(), sp = scales.data<void>(),
                      bp = biases.data<void>(), half, op = out.data<float>(), M, N, K, g = group_, b = bits_]() {
      quantized_linear_cpu(xp, wp, sp, bp, half, op, M, N, K, g, b);
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    // Never reached: quantized_linear() picks stock quantized_matmul for GPU streams.
    throw std::runtime_error("[QuantizedLinear] has no GPU implementation");
  }

  const char* name() const override { return "CompilerExpertQuantizedLinear"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const QuantizedLinear&>(other);
    return o.group_ == group_ && o.bits_ == bits_;
  }

 private:
  int group_, bits_;
};

}  // namespace

mx::array quantized_linear(const mx::array& x, const mx::array& w, const mx::array& scales, const mx::array& biases,
                           int group, int bits, bool stock, mx::StreamOrDevice s) {
  const mx::Stream stream = mx::to_stream(s);
  const int K = x.shape(-1);
  const bool float_scales = scales.dtype() == biases.dtype() &&
                            (scales.dtype() == mx::float32 || scales.dtype() == mx::float16);
  const bool ours = !stock && stream.device == mx::Device::cpu && group == kAffineGroup &&
                    (bits == 4 || bits == 8) && x.dtype() == mx::float32 && float_scales && w.ndim() == 2 &&
                    K % kAffineGroup == 0 && w.shape(1) * 32 / bits == K;
  if (!ours) {
    // Stock MLX wants scales in the activations' dtype.
    const auto as_x = [&](const mx::array& a) { return a.dtype() == x.dtype() ? a : mx::astype(a, x.dtype(), s); };
    return mx::quantized_matmul(x, w, as_x(scales), as_x(biases), true, group, bits, "affine", s);
  }
  mx::Shape out_shape = x.shape();
  out_shape.back() = w.shape(0);
  const int M = static_cast<int>(x.size() / K);
  mx::array x2 = mx::contiguous(mx::reshape(x, {M, K}, stream), false, stream);
  mx::array y(mx::Shape{M, w.shape(0)}, mx::float32, std::make_shared<QuantizedLinear>(stream, group, bits),
              {x2, mx::contiguous(w, false, stream), mx::contiguous(scales, false, stream),
               mx::contiguous(biases, false, stream)});
  return mx::reshape(y, out_shape, stream);
}

}  // namespace ce::kernels
