// The training objective: label-smoothed cross-entropy that ignores padding.
//
// Per real target token with gold label y and log-probabilities lp over V classes:
//   loss = (1 - eps) * (-lp[y]) + eps * mean_v(-lp[v])      (PyTorch's label_smoothing convention)
// Sums are over real tokens; the caller divides by the number of target tokens (of the whole
// accumulated batch), so gradient accumulation equals one larger batch.
#pragma once
#include <torch/torch.h>

#include <cstdint>

namespace nmt {

struct LossSums {
  torch::Tensor loss;  // [] float32: sum of the smoothed loss over real tokens (differentiable)
  torch::Tensor nll;   // [] float32: sum of the plain negative log-likelihood (no grad), for ppl
  int64_t tokens = 0;  // number of real (non-pad) target tokens
};

// logits: [B, T, V] (any float type; computed in float32); target: [B, T] int64 with pad_id
// at padding. eps: label smoothing in [0, 1).
LossSums label_smoothed_loss(const torch::Tensor& logits, const torch::Tensor& target, double eps,
                             int64_t pad_id);

}  // namespace nmt
