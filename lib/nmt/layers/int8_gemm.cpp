// The int8 kernels behind Int8Gemm, found through the dispatcher by name so that one source
// builds against LibTorch 1.13 and 2.x (see int8_gemm.h).
#include "nmt/layers/int8_gemm.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>

namespace nmt {
namespace {

std::optional<c10::OperatorHandle> find_op(const char* name) {
  auto h = c10::Dispatcher::singleton().findSchema({name, ""});
  if (!h) return std::nullopt;
  return *h;
}

// The quantized engine for the dynamic kernel on this CPU, if LibTorch has a good one.
std::optional<at::QEngine> dynamic_engine() {
  const auto& engines = at::globalContext().supportedQEngines();
  auto has = [&](at::QEngine e) { return std::find(engines.begin(), engines.end(), e) != engines.end(); };
#if defined(__x86_64__) || defined(__i386__)
  // QNNPACK's x86 kernels (SSE2) are slower than float32 sgemm: not worth it.
  for (at::QEngine e : {at::QEngine::ONEDNN, at::QEngine::X86, at::QEngine::FBGEMM})
    if (has(e)) return e;
#else
  for (at::QEngine e : {at::QEngine::QNNPACK, at::QEngine::ONEDNN})
    if (has(e)) return e;
#endif
  return std::nullopt;
}

// Sets the global quantized engine once (packing happens under it).
std::optional<at::QEngine> use_dynamic_engine() {
  static std::once_flag once;
  static std::optional<at::QEngine> engine;
  std::call_once(once, [] {
    engine = dynamic_engine();
    if (engine) at::globalContext().setQEngine(*engine);
  });
  return engine;
}

class FloatGemm : public Int8Gemm {
 public:
  FloatGemm(const torch::Tensor& w8, const torch::Tensor& scale, const torch::Tensor& bias)
      : w_(dequantize_per_row(w8, scale)), b_(bias) {}
  torch::Tensor run(const torch::Tensor& x) const override { return torch::nn::functional::linear(x, w_, b_); }
  Int8Kernel kernel() const override { return Int8Kernel::Float; }

 private:
  torch::Tensor w_, b_;
};

// quantized::linear_dynamic quantizes its whole input with one (scale, zero point) from the
// input's min and max, which would make a sentence's output depend on the other sentences in
// its batch. So each row is first scaled to max |x| = 1 and a pinning row (+1, -1, 0, …) is
// appended: the quantization parameters are then the same for every call (per-row activation
// scales in effect), the int8 GEMM accumulates exactly in int32, and each output row depends
// on its own input row only. y = linear_dynamic([x / s; pin], W8)[:M] · s + b.
class DynamicGemm : public Int8Gemm {
 public:
  DynamicGemm(const torch::Tensor& w8, const torch::Tensor& scale, const torch::Tensor& bias) : bias_(bias) {
    static const auto prepack = find_op("quantized::linear_prepack");
    static const auto op = find_op("quantized::linear_dynamic");
    const auto engine = use_dynamic_engine();
    TORCH_CHECK(prepack && op && engine, "int8: quantized::linear_dynamic is not available in this LibTorch");
    const int64_t n = w8.size(0), k = w8.size(1);
    TORCH_CHECK(k >= 2, "int8: the dynamic kernel needs at least two input features");
    op_ = *op;
    // The FBGEMM-family kernels need 7-bit activations to avoid saturating int16 sums without VNNI.
    reduce_range_ = *engine == at::QEngine::FBGEMM || *engine == at::QEngine::X86;
    auto qweight = at::_make_per_channel_quantized_tensor(w8.contiguous(), scale.to(torch::kDouble),
                                                          torch::zeros({n}, torch::kLong), /*axis=*/0);
    torch::jit::Stack stack{c10::IValue(qweight), c10::IValue()};  // the bias is added after rescaling
    prepack->callBoxed(&stack);
    packed_ = stack.at(0);
    pin_ = torch::zeros({1, k});
    pin_[0][0] = 1.0f;
    pin_[0][1] = -1.0f;
  }
  torch::Tensor run(const torch::Tensor& x) const override {
    const int64_t m = x.size(0);
    const torch::Tensor s = x.abs().amax(1, /*keepdim=*/true).clamp_min(1e-30);  // [M, 1]
    torch::jit::Stack stack{c10::IValue(torch::cat({x / s, pin_}, 0)), packed_, c10::IValue(reduce_range_)};
    op_->callBoxed(&stack);
    const torch::Tensor y = stack.at(0).toTensor().narrow(0, 0, m);  // [M, N]
    return bias_.defined() ? torch::addcmul(bias_, y, s) : y * s;
  }
  Int8Kernel kernel() const override { return Int8Kernel::Dynamic; }

 private:
  std::optional<c10::OperatorHandle> op_;
  c10::IValue packed_;
  torch::Tensor pin_, bias_;
  bool reduce_range_ = false;
};

class WeightOnlyGemm : public Int8Gemm {
 public:
  WeightOnlyGemm(const torch::Tensor& w8, const torch::Tensor& scale, const torch::Tensor& bias)
      : w8_(w8.contiguous()), scale_(scale.to(torch::kFloat).contiguous()), b_(bias) {
    static const auto op = find_op("aten::_weight_int8pack_mm");
    TORCH_CHECK(op, "int8: aten::_weight_int8pack_mm is not available in this LibTorch");
    op_ = *op;
  }
  torch::Tensor run(const torch::Tensor& x) const override {
    torch::jit::Stack stack{c10::IValue(x.contiguous()), c10::IValue(w8_), c10::IValue(scale_)};
    op_->callBoxed(&stack);
    torch::Tensor y = stack.at(0).toTensor();
    return b_.defined() ? y + b_ : y;
  }
  Int8Kernel kernel() const override { return Int8Kernel::WeightOnly; }

 private:
  std::optional<c10::OperatorHandle> op_;
  torch::Tensor w8_, scale_, b_;
};

std::unique_ptr<Int8Gemm> construct(Int8Kernel kernel, const torch::Tensor& w8, const torch::Tensor& scale,
                                    const torch::Tensor& bias) {
  switch (kernel) {
    case Int8Kernel::Dynamic: return std::make_unique<DynamicGemm>(w8, scale, bias);
    case Int8Kernel::WeightOnly: return std::make_unique<WeightOnlyGemm>(w8, scale, bias);
    case Int8Kernel::Float: break;
  }
  return std::make_unique<FloatGemm>(w8, scale, bias);
}

// A fixed pseudo-random [rows, cols] float tensor (the global RNG is left alone).
torch::Tensor probe_values(int64_t rows, int64_t cols, double freq, const torch::Device& device) {
  return torch::sin(torch::arange(rows * cols, torch::dtype(torch::kFloat).device(device)) * freq).view({rows, cols});
}

// Whether `g` computes what the float reference computes, on two fixed rows. Quantized
// activations cost a few per cent of the output range; a wrong layout costs all of it.
bool agrees_with_float(const Int8Gemm& g, const torch::Tensor& w8, const torch::Tensor& scale,
                       const torch::Tensor& bias) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = probe_values(2, w8.size(1), 0.917, w8.device());
  const torch::Tensor ref = FloatGemm(w8, scale, bias).run(x);
  const torch::Tensor y = g.run(x);
  if (y.sizes() != ref.sizes()) return false;
  const double err = (y - ref).abs().max().item<double>(), range = ref.abs().max().item<double>();
  return err <= 0.05 * range + 1e-4;
}

// Tries `kernel` on a weight; nullptr when it throws or disagrees with float.
std::unique_ptr<Int8Gemm> try_kernel(Int8Kernel kernel, const torch::Tensor& w8, const torch::Tensor& scale,
                                     const torch::Tensor& bias) {
  try {
    auto g = construct(kernel, w8, scale, bias);
    if (agrees_with_float(*g, w8, scale, bias)) return g;
    spdlog::warn("int8: the {} kernel disagrees with float32 on a [{}, {}] weight; not used",
                 int8_kernel_name(kernel), w8.size(0), w8.size(1));
  } catch (const c10::Error& e) {
    spdlog::debug("int8: the {} kernel fails on a [{}, {}] weight: {}", int8_kernel_name(kernel), w8.size(0),
                  w8.size(1), e.what_without_backtrace());
  }
  return nullptr;
}

std::optional<Int8Kernel> kernel_from_env() {
  const char* v = std::getenv("NMT_INT8_KERNEL");
  if (v == nullptr || *v == '\0') return std::nullopt;
  const std::string s(v);
  if (s == "dynamic") return Int8Kernel::Dynamic;
  if (s == "weight-only") return Int8Kernel::WeightOnly;
  if (s == "float") return Int8Kernel::Float;
  spdlog::warn("NMT_INT8_KERNEL={}: expected dynamic, weight-only or float; ignored", s);
  return std::nullopt;
}

}  // namespace

Int8Weight quantize_per_row(const torch::Tensor& w) {
  TORCH_CHECK(w.dim() == 2 && w.is_floating_point(), "quantize_per_row: expects a [N, K] float weight, got ",
              w.sizes(), " ", w.scalar_type());
  torch::NoGradGuard no_grad;
  const torch::Tensor wf = w.detach().to(torch::kFloat);
  torch::Tensor scale = wf.abs().amax(1) / 127.0;                    // [N]
  scale = torch::where(scale > 0, scale, torch::ones_like(scale));  // an all-zero row: any scale will do
  const torch::Tensor w8 = (wf / scale.unsqueeze(1)).round().clamp(-127, 127).to(torch::kChar);
  return {w8, scale};
}

torch::Tensor dequantize_per_row(const torch::Tensor& w8, const torch::Tensor& scale) {
  TORCH_CHECK(w8.dim() == 2 && scale.dim() == 1 && scale.size(0) == w8.size(0),
              "dequantize_per_row: expects w8 [N, K] and scale [N], got ", w8.sizes(), " and ", scale.sizes());
  return w8.to(torch::kFloat) * scale.to(torch::kFloat).unsqueeze(1);
}

std::string int8_kernel_name(Int8Kernel kernel) {
  switch (kernel) {
    case Int8Kernel::Dynamic: {
      const auto e = dynamic_engine();
      return e ? "dynamic (" + c10::toString(*e) + ")" : "dynamic";
    }
    case Int8Kernel::WeightOnly: return "weight-only (_weight_int8pack_mm)";
    case Int8Kernel::Float: return "float (dequantized weights)";
  }
  return "?";
}

bool int8_kernel_available(Int8Kernel kernel) {
  if (kernel == Int8Kernel::Float) return true;
  static std::mutex mu;
  static std::map<Int8Kernel, bool> known;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = known.find(kernel); it != known.end()) return it->second;
  torch::NoGradGuard no_grad;
  const Int8Weight q = quantize_per_row(probe_values(48, 64, 0.123, torch::kCPU));
  const bool ok = try_kernel(kernel, q.w8, q.scale, probe_values(1, 48, 0.311, torch::kCPU).view({48})) != nullptr;
  known[kernel] = ok;
  return ok;
}

Int8Kernel default_int8_kernel() {
  if (auto forced = kernel_from_env()) return *forced;
  for (Int8Kernel k : {Int8Kernel::Dynamic, Int8Kernel::WeightOnly})
    if (int8_kernel_available(k)) return k;
  return Int8Kernel::Float;
}

std::unique_ptr<Int8Gemm> make_int8_gemm(Int8Kernel kernel, const torch::Tensor& w8, const torch::Tensor& scale,
                                         const torch::Tensor& bias) {
  TORCH_CHECK(w8.dim() == 2 && w8.scalar_type() == torch::kChar, "int8 gemm: weight must be [N, K] int8, got ",
              w8.sizes(), " ", w8.scalar_type());
  TORCH_CHECK(scale.dim() == 1 && scale.size(0) == w8.size(0), "int8 gemm: scale must be [", w8.size(0), "], got ",
              scale.sizes());
  TORCH_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == w8.size(0)), "int8 gemm: bias must be [",
              w8.size(0), "], got ", bias.sizes());
  torch::NoGradGuard no_grad;
  if (kernel != Int8Kernel::Float && w8.device().is_cpu())
    if (auto g = try_kernel(kernel, w8, scale, bias)) return g;
  return construct(Int8Kernel::Float, w8, scale, bias);
}

std::unique_ptr<Int8Gemm> make_int8_gemm(const torch::Tensor& w8, const torch::Tensor& scale,
                                         const torch::Tensor& bias) {
  // A product with a handful of outputs (the additive attention's scoring vector) is a
  // matrix-vector product: the int8 kernel's per-call work (scaling, quantizing and copying
  // the input) costs more there than it saves, so such a layer runs its dequantized weights.
  constexpr int64_t kMinInt8Outputs = 16;
  const bool tiny = w8.dim() == 2 && w8.size(0) < kMinInt8Outputs && !kernel_from_env();
  return make_int8_gemm(w8.device().is_cpu() && !tiny ? default_int8_kernel() : Int8Kernel::Float, w8, scale, bias);
}

}  // namespace nmt
