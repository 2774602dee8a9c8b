// int8 matrix products for inference: y = x · (s ⊙ W8)ᵀ + b, where W8 is an int8 [N, K] weight
// with one float scale per output row (per-channel symmetric quantization, zero point 0):
//
//   s_n = max_k |W_nk| / 127,   W8_nk = round(W_nk / s_n) ∈ [-127, 127]
//
// LibTorch's int8 kernels differ by version, so the product sits behind one small interface
// (Int8Gemm) that each build fills in at run time from what the dispatcher has registered:
//
//   dynamic      quantized::linear_prepack + quantized::linear_dynamic, on the oneDNN, x86 or
//                FBGEMM engine: each call quantizes the activations to uint8, multiplies
//                int8 × uint8 with int32 accumulation (VNNI where the CPU has it) and rescales.
//                The op quantizes its whole input with one scale; we scale every row to
//                max |x| = 1 first and pin the range, so that quantization is per row and a
//                row's result never depends on the other rows of the batch (batch invariance).
//                Debian's LibTorch 1.13 has it with oneDNN (no FBGEMM); 2.x keeps the ops.
//                QNNPACK is not used on x86: it is slower there than float32 (see bench notes).
//   weight-only  aten::_weight_int8pack_mm (LibTorch 2.x): float activations, int8 weights
//                dequantized inside the kernel. Saves memory traffic, not arithmetic.
//   float        the weights dequantized once to float32, then F::linear. Works everywhere
//                (CUDA too); the reference the others are checked against.
//
// Each candidate is checked once against the float reference on a small product before it is
// used, so a kernel that is registered but broken in some build is skipped, never trusted.
// NMT_INT8_KERNEL=dynamic|weight-only|float forces one (tests and benchmarks). Without it, a
// weight with fewer than 16 output rows (a matrix-vector product) runs on the float kernel.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>

namespace nmt {

enum class Int8Kernel { Dynamic, WeightOnly, Float };

// Per-channel symmetric quantization of w: [N, K] float → int8 [N, K] and scales [N] float32.
struct Int8Weight {
  torch::Tensor w8;     // [N, K] int8
  torch::Tensor scale;  // [N] float32, > 0
};
Int8Weight quantize_per_row(const torch::Tensor& w);
// s ⊙ W8 as float32: [N, K].
torch::Tensor dequantize_per_row(const torch::Tensor& w8, const torch::Tensor& scale);

// One packed int8 weight, ready to multiply.
class Int8Gemm {
 public:
  virtual ~Int8Gemm() = default;
  // x: [M, K] float32 → [M, N] float32 (bias added).
  virtual torch::Tensor run(const torch::Tensor& x) const = 0;
  virtual Int8Kernel kernel() const = 0;
};

// Packs (w8 [N, K] int8, scale [N] float, bias [N] float or undefined) for the best kernel this
// LibTorch offers on w8's device (or the one NMT_INT8_KERNEL names).
std::unique_ptr<Int8Gemm> make_int8_gemm(const torch::Tensor& w8, const torch::Tensor& scale,
                                         const torch::Tensor& bias);
std::unique_ptr<Int8Gemm> make_int8_gemm(Int8Kernel kernel, const torch::Tensor& w8, const torch::Tensor& scale,
                                         const torch::Tensor& bias);

// Whether `kernel` is available (registered, and it passed its check) for CPU tensors here.
bool int8_kernel_available(Int8Kernel kernel);
// The kernel make_int8_gemm picks for CPU tensors, and its name ("dynamic (onednn)", ...).
Int8Kernel default_int8_kernel();
std::string int8_kernel_name(Int8Kernel kernel);

}  // namespace nmt
