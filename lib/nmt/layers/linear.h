// nmt::Linear: y = x Wᵀ + b — the linear layer of every model, in float32 or int8.
//
// In float mode it is torch::nn::Linear exactly: the same parameter names ("weight" [out, in],
// "bias" [out]) and the same initialisation, drawn in the same order, so checkpoints and seeds
// carry over. quantize_int8() turns it into an inference layer: the float weight is replaced by
// the buffers "weight_int8" [out, in] int8 and "weight_scale" [out] float32 (one scale per
// output row, see int8_gemm.h); the bias stays float32. An int8 layer has no gradient.
//
// A tied layer (constructed with another module's weight, and optionally bias) multiplies by
// that tensor, e.g. an output layer by the target embedding. In float mode it saves nothing of
// its own (is_serializable() is false), so tying adds no checkpoint keys; quantized, it saves
// its int8 copy while the embedding itself stays float32 for the lookups.
//
// forward_rows(x, begin, count) computes only the output rows [begin, begin + count), e.g. the
// Q or the K/V part of a fused attention projection. In int8 mode those slices must be among
// the ones LinearOptions::row_splits declares, so that each is packed once.
#pragma once
#include <torch/torch.h>

#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "nmt/layers/int8_gemm.h"

namespace nmt {

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  TORCH_ARG(int64_t, in_features);
  TORCH_ARG(int64_t, out_features);
  TORCH_ARG(bool, bias) = true;
  // Row boundaries inside (0, out_features): row slices [0, s₁), [s₁, s₂), …, [s_k, out) that
  // forward_rows() may ask for besides the whole range.
  TORCH_ARG(std::vector<int64_t>, row_splits) = {};
};

class LinearImpl : public torch::nn::Cloneable<LinearImpl> {
 public:
  explicit LinearImpl(const LinearOptions& options);
  // Tied: y = x tied_weightᵀ (+ tied_bias). tied_weight: [out, in]; tied_bias: [out] or undefined
  // (then options.bias() must be false: a tied layer owns no parameters).
  LinearImpl(const LinearOptions& options, torch::Tensor tied_weight, torch::Tensor tied_bias = {});
  void reset() override;
  void reset_parameters();

  // x: [..., in] → [..., out]
  torch::Tensor forward(const torch::Tensor& x);
  // x: [..., in] → [..., count]: output rows [begin, begin + count).
  torch::Tensor forward_rows(const torch::Tensor& x, int64_t begin, int64_t count);

  // Float → int8 (per-output-row scales). Idempotent.
  void quantize_int8();
  bool is_int8() const { return int8_; }
  bool is_tied() const { return tied_weight_.defined(); }
  // Packs the int8 weights for the kernel now (also done on first use and after the weights
  // are replaced, e.g. by loading a checkpoint). No-op in float mode.
  void pack() const;
  // The kernel the int8 layer runs on (Float when not packed yet or in float mode).
  Int8Kernel kernel() const;

  bool is_serializable() const override;
  void pretty_print(std::ostream& stream) const override;

  LinearOptions options;
  torch::Tensor weight;        // [out, in] float (own, float mode only)
  torch::Tensor bias;          // [out] float (own), or undefined
  torch::Tensor weight_int8;   // [out, in] int8 (int8 mode)
  torch::Tensor weight_scale;  // [out] float32 (int8 mode)

 private:
  // The packed int8 slices, rebuilt when the tensors they were packed from change.
  struct Packs {
    std::mutex mu;
    std::vector<const void*> source;  // data pointers of w8, scale, bias when packed
    std::map<std::pair<int64_t, int64_t>, std::unique_ptr<Int8Gemm>> gemms;  // (begin, count) → kernel
  };
  const torch::Tensor& float_weight() const { return is_tied() ? tied_weight_ : weight; }
  const torch::Tensor& float_bias() const { return tied_bias_.defined() ? tied_bias_ : bias; }
  std::vector<std::pair<int64_t, int64_t>> slices() const;
  void repack_locked() const;
  const Int8Gemm& gemm(int64_t begin, int64_t count) const;

  torch::Tensor tied_weight_, tied_bias_;
  bool int8_ = false;
  std::shared_ptr<Packs> packs_;
};
TORCH_MODULE(Linear);

}  // namespace nmt
