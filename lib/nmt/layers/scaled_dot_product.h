// Scaled dot-product attention (Vaswani et al. 2017):
//
//   Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V
//
// Each query is compared with every key by a dot product. Dividing by √d_k keeps the scores'
// variance near 1 however wide the vectors are, so the softmax does not saturate. Worked
// example with d_k = 64: q·k₁ = 112 and q·k₂ = 96 give scores 14 and 12, and softmax weights
// e^14 / (e^14 + e^12) ≈ 0.88 and 0.12.
//
// Masks are boolean, true where a query MAY look: a padding mask hides pad keys, a causal
// mask hides the future. Hidden positions get -inf before the softmax, so exactly 0 weight.
#pragma once
#include <torch/torch.h>

namespace nmt {

struct AttentionOut {
  torch::Tensor output;   // [..., Tq, d_v]
  torch::Tensor weights;  // [..., Tq, Tk]
  torch::Tensor scores;   // [..., Tq, Tk] q·k / √d_k, before masking (what the softmax reads)
  // Multi-head attention also hands back its head-split inputs and per-head outputs (no extra
  // work: they exist anyway) so that `nmt explain` can show every step of the computation.
  torch::Tensor q, k, v;  // [B, H, Tq|Tk, d_k]
  torch::Tensor heads;    // [B, H, Tq, d_v] each head's weighted sum, before concat and W^O
};

// The scaled scores Q Kᵀ / √d_k, before masking and softmax. q: [..., Tq, d_k]; k: [..., Tk, d_k]
// → [..., Tq, Tk]. (Scaling q, Tq × d_k numbers, is cheaper than scaling the score matrix.)
torch::Tensor attention_scores(const torch::Tensor& q, const torch::Tensor& k);

// q: [..., Tq, d_k]; k: [..., Tk, d_k]; v: [..., Tk, d_v]; mask: bool, broadcastable to
// [..., Tq, Tk], or undefined for "attend everywhere". dropout is applied to the weights
// that multiply V (the returned weights are the undropped ones).
AttentionOut scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                          const torch::Tensor& v, const torch::Tensor& mask = {},
                                          double dropout = 0.0, bool training = false);

// [T, T] bool, true on and below the diagonal: position i may see positions 0..i.
torch::Tensor causal_mask(int64_t T, const torch::Device& device = torch::kCPU);

}  // namespace nmt
