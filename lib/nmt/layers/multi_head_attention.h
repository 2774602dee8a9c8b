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
// fused matmul), writes its K/V at position t of a preallocated cache the caller owns (the
// DecoderState) and attends to positions 0 … t of it: step t costs O(t), not O(t²), and no
// step copies the cache.
//
// in_proj and out_proj are nmt::Linear (layers/linear.h): float32, or int8 after quantization.
#pragma once
#include <torch/torch.h>

#include <utility>

#include "nmt/layers/linear.h"
#include "nmt/layers/scaled_dot_product.h"

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
  // k_cache, v_cache: [N, H, T_cap, D/H] views with T_cap > t (positions 0 … t-1 already
  // written); this writes position t of both in place. output: [N, 1, D]; weights: [N, H, 1, t+1]
  AttentionOut forward_step(const torch::Tensor& x, const torch::Tensor& k_cache, const torch::Tensor& v_cache,
                            int64_t t);

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
};
TORCH_MODULE(MultiHeadAttention);

}  // namespace nmt
