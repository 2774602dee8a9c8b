// Position-wise feed-forward network: FFN(x) = max(0, x W₁ + b₁) W₂ + b₂, applied to every
// position independently (a 1×1 convolution). It is where most of a Transformer layer's
// parameters live: d_model → ffn (usually 4·d_model) → d_model.
#pragma once
#include <torch/torch.h>

#include "nmt/layers/linear.h"

namespace nmt {

struct FeedForwardOptions {
  FeedForwardOptions(int64_t d_model, int64_t hidden) : d_model_(d_model), hidden_(hidden) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, hidden);
  TORCH_ARG(double, dropout) = 0.0;  // after the ReLU
};

class FeedForwardImpl : public torch::nn::Cloneable<FeedForwardImpl> {
 public:
  explicit FeedForwardImpl(const FeedForwardOptions& options);
  void reset() override;
  // x: [..., d_model] → [..., d_model]
  torch::Tensor forward(const torch::Tensor& x);

  FeedForwardOptions options;
  Linear expand{nullptr};    // W₁
  Linear contract{nullptr};  // W₂
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(FeedForward);

}  // namespace nmt
