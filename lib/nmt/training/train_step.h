// Forward + backward of one optimizer step's batches (gradient accumulation).
#pragma once
#include <torch/torch.h>

#include <functional>
#include <vector>

#include "nmt/data/batch.h"
#include "nmt/models/seq2seq.h"
#include "nmt/training/amp.h"

namespace nmt {

struct GroupLoss {
  double loss_sum = 0;  // smoothed loss summed over every real target token of the group
  double nll_sum = 0;   // plain NLL, same tokens
  int64_t tokens = 0;   // real target tokens of the group
};

// Accumulates into the parameters' .grad the gradient of
//   sum over the group's tokens of the smoothed loss / (tokens of the whole group)
// (times amp.scale() for fp16), so k batches give exactly the gradient of one batch holding
// all their rows. Does not zero the gradients first. Batches are moved to `device`.
// Data-parallel training passes `norm_tokens`, the target tokens of every rank's group, to
// divide by instead of the group's own, and `before_last_backward`, run right before the
// backward pass of the group's last batch (when the gradient all-reduce is armed).
GroupLoss backward_group(Seq2SeqImpl& model, const std::vector<Batch>& group, double label_smoothing,
                         const Amp& amp, const torch::Device& device, int64_t norm_tokens = 0,
                         const std::function<void()>& before_last_backward = {});

}  // namespace nmt
