#include <stdexcept>
#include "common/op_counts.h"

#include "kernels/kquant_linear.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"

namespace ce::kernels {

namespace {

class KQuantLinear : public mx::UnaryPrimitive {
 public:
  KQuantLinear(mx::Stream stream, int type) : mx::UnaryPrimitive(stream), type_(type) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    op_counts::bump(op_counts::kKquantLinear);
    const mx::array& x = inputs[0];
    const mx::array& w = inputs[1];
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    encoder.set_input_array(x);
    encoder.set_input_array(w);
    encoder.set_output_array(out);
    const int M = x.shape(0), K = x.shape(1), N = w.shape(0);
    encoder.dispatch([xp = x.data<float>(), wp = w.data<uint8_t>(), op = out.data<float>(), type = type_, M, N, K]() {
      kquant_linear_cpu(xp, wp, type, op, M, N, K);
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[KQuantLinear] has no GPU implementation");  // the loader converts for GPU instead
  }

  const char* name() const override { return "CompilerExpertKQuantLinear"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return static_cast<const KQuantLinear&>(other).type_ == type_;
  }

 private:
  int type_;
};

}  // namespace

mx::array kquant_linear(const mx::array& x, const mx::array& w, int ggml_type, mx::StreamOrDevice s) {
  const mx::Stream stream = mx::to_stream(s);
  const int K = x.shape(-1);
  if (stream.device != mx::Device::cpu || !kquant_supported(ggml_type) || x.dtype() != mx::float32 ||
      w.dtype() != mx::uint8 || w.ndim() != 2 || K % kSuperBlock != 0 || w.shape(1) != kquant_row_bytes(ggml_type, K))
    throw std::invalid_argument("[kquant_linear] needs float32 x on the CPU and Q4_K/Q6_K rows of matching length");
  mx::Shape out_shape = x.shape();
  out_shape.back() = w.shape(0);
  const int M = static_cast<int>(x.size() / K);
  mx::array x2 = mx::contiguous(mx::reshape(x, {M, K}, stream), false, stream);
  mx::array y(mx::Shape{M, w.shape(0)}, mx::float32, std::make_shared<KQuantLinear>(stream, ggml_type),
              {x2, mx::contiguous(w, false, stream)});
  return mx::reshape(y, out_shape, stream);
}

}  // namespace ce::kernels
