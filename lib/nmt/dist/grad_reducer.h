// Data-parallel gradient summation, bucketed and overlapped with the backward pass — what
// PyTorch's DistributedDataParallel does, which the C++ frontend lacks.
//
// The parameters are packed, in reverse order (the order their gradients tend to arrive
// in), into flat buckets of about `bucket_mb` MiB on the communication device. A hook on
// every parameter (Tensor::register_hook, called with the gradient just before it is added
// to .grad) copies the parameter's final gradient of the step — .grad so far plus the
// incoming one — into its bucket. When every parameter of a bucket has arrived, the bucket's
// all-reduce starts at once (buckets always start in the same order on every rank, so a
// bucket waits for the ones before it), while backward goes on with the rest of the model.
// finish() starts whatever is left, waits, and writes the sums back into .grad.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "nmt/dist/distributed.h"

namespace nmt {

class GradReducer {
 public:
  GradReducer(Distributed& dist, const std::vector<torch::Tensor>& params, double bucket_mb);
  ~GradReducer();  // removes the hooks
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  // Call right before the backward pass of the step's last micro-batch: the hooks are
  // active for that one pass (earlier micro-batches only accumulate into .grad).
  void arm();
  // After that backward pass: starts the remaining buckets and then the all-reduce of
  // `extra` (a small tensor on the communication device, summed in place), waits for all,
  // and leaves in every parameter's .grad the sum over the ranks of their gradients.
  // Throws nmt::Error naming the failing rank.
  void finish(torch::Tensor& extra);

  int64_t bucket_count() const;
  // Buckets of the last step whose all-reduce started while backward was still running.
  int64_t overlapped_buckets() const;

 private:
  struct State;
  std::shared_ptr<State> s_;
  std::vector<unsigned> hook_ids_;
};

}  // namespace nmt
