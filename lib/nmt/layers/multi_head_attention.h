// Multi-head attention (Vaswani et al. 2017):
//
//   head_i    = Attention(Q W_i^Q, K W_i^K, V W_i^V)
//   MultiHead = Concat(head_1, ..., head_h) W^O
//
// Each of the h heads attends in its own d_model/h-wide subspace, so different heads can
// follow different relations (the previous word, the aligned source word, ...). The h
// per-head projections are stored as one [d_model, d_model] matrix each for Q, K and V and
// applied in one matmul, then the result is split into heads: [B, T, D] → [B, H, T, D/H].
//
// All three projections live in one weight `in_proj` ([3D, D]): self-attention projects
// Q, K and V in a single fused matmul; cross-attention uses the Q rows on the decoder side
// and the K/V rows once on the encoder memory.
//
// Incremental decoding: forward_step() projects only the newest position (Q, K and V in one
// fused matmul), writes its K/V at position t of a cache the caller owns (the DecoderState)
// and attends to positions 0 … t of it through a slot index (layers/step_attention.h), so
// step t costs O(t), not O(t²), and beam search never copies the cache.
// attend_memory_step() is the cross-attention of one position per hypothesis, reading each
// sentence's memory K/V once for all of its hypotheses.
//
// in_proj and out_proj are nmt::Linear (layers/linear.h): float32, or int8 after quantization.
#pragma once
#include <torch/torch.h>

#include <utility>

#include "nmt/layers/linear.h"
#include "nmt/layers/scaled_dot_product.h"
#include "nmt/layers/step_attention.h"

namespace nmt {

struct MultiHeadAttentionOptions {
  MultiHeadAttentionOptions(int64_t d_model, int64_t heads) : d_model_(d_model), heads_(heads) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, heads);
  TORCH_ARG(double, dropout) = 0.0;  // on the attention weights
};

class MultiHeadAttentionImpl : public torch::nn::Cloneable<MultiHeadAttentionImpl> {
 public:
  explicit MultiHeadAttentionImpl(const MultiHeadAttentionOptions& options);
  void reset() override;

  // Self-attention. x: [B, T, D]; mask: bool broadcastable to [B, H, T, T] (or undefined).
  // output: [B, T, D]; weights: [B, H, T, T]
  AttentionOut forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  // Self-attention of the newest position t over positions 0 … t. x: [N, 1, D];
  // cache: [T_cap > t, slots >= N, C, H, D/H] (step_attention.h): this writes hypothesis n's K
  // and V at cache[t, n, channel] and cache[t, n, channel + 1]; slot_of: [N, > t] int64, the
  // slot of each hypothesis' positions 0 … t (so slot_of[n, t] must be n).
  // output: [N, 1, D]; weights: [N, H, 1, t+1]
  AttentionOut forward_step(const torch::Tensor& x, const torch::Tensor& cache, int64_t channel,
                            const torch::Tensor& slot_of, int64_t t);

  // Cross-attention of one position per hypothesis. x: [N, 1, D]; k, v: [B, H, S, D/H] from
  // project_kv; src_row: [N] int64, each hypothesis' source in [0, B); src_mask: [B, S] bool.
  // output: [N, 1, D]; weights: [N, H, 1, S]
  AttentionOut attend_memory_step(const torch::Tensor& x, const torch::Tensor& k, const torch::Tensor& v,
                                  const torch::Tensor& src_row, const torch::Tensor& src_mask);

  // Cross-attention. x: [B, Tq, D]; memory keys/values from project_kv: [B, H, S, D/H];
  // mask: bool broadcastable to [B, H, Tq, S]. output: [B, Tq, D]; weights: [B, H, Tq, S]
  AttentionOut attend_memory(const torch::Tensor& x, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& mask);

  // K and V of an encoder memory, split into heads. memory: [B, S, D] → 2 × [B, H, S, D/H]
  std::pair<torch::Tensor, torch::Tensor> project_kv(const torch::Tensor& memory);

  // [B, T, D] → [B, H, T, D/H]   and back.
  torch::Tensor split_heads(const torch::Tensor& x) const;
  torch::Tensor merge_heads(const torch::Tensor& x) const;

  // Attention over already projected, head-split q/k/v, then concat + W^O.
  AttentionOut attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                      const torch::Tensor& mask);

  MultiHeadAttentionOptions options;
  Linear in_proj{nullptr};   // [W^Q; W^K; W^V]: D → 3D (row slices [0, D) and [D, 3D) declared for int8)
  Linear out_proj{nullptr};  // W^O: D → D

 private:
  // A step's per-head result [N, H, D/H] → concat + W^O, as AttentionOut.
  AttentionOut from_step(const StepAttentionOut& a);
};
TORCH_MODULE(MultiHeadAttention);

}  // namespace nmt
