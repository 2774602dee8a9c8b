// A padded batch of source/target id sequences, ready for a model.
#pragma once
#include <torch/types.h>

#include <vector>

namespace nmt {

struct Batch {
  torch::Tensor src;       // [B, S] int64, padded with kPadId; no BOS, ends with EOS
  torch::Tensor src_mask;  // [B, S] bool, true at real tokens
  torch::Tensor tgt_in;    // [B, T] int64: BOS y1 .. yn   (teacher-forcing input), padded
  torch::Tensor tgt_out;   // [B, T] int64: y1 .. yn EOS   (labels), padded with kPadId
  std::vector<int64_t> index;  // corpus index of each row (for restoring order)
  int64_t src_tokens = 0;  // real source tokens
  int64_t tgt_tokens = 0;  // real target tokens (labels), what tokens/s counts

  int64_t size() const { return src.defined() ? src.size(0) : 0; }
  Batch to(const torch::Device& d) const {
    Batch b = *this;
    b.src = src.to(d, /*non_blocking=*/true);
    b.src_mask = src_mask.to(d, true);
    if (tgt_in.defined()) b.tgt_in = tgt_in.to(d, true);
    if (tgt_out.defined()) b.tgt_out = tgt_out.to(d, true);
    return b;
  }
};

}  // namespace nmt
