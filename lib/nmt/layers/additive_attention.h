// Additive attention (Bahdanau, Cho & Bengio 2015).
//
// The decoder asks "which source words matter for the word I am about to write?" by scoring
// every encoder state h_j against its previous state s_{t-1}:
//
//   e_tj  = vᵀ · tanh(W · s_{t-1} + U · h_j)      alignment score
//   α_tj  = softmax_j(e_tj)                       attention weights (pads get exactly 0)
//   c_t   = Σ_j α_tj · h_j                        context vector
//
// U · h_j does not depend on t, so it is computed once per source sentence (project_keys) and
// kept in the DecoderState; each decoder step then costs one small matmul (W · s) plus a tanh.
#pragma once
#include <torch/torch.h>

#include "nmt/layers/linear.h"

namespace nmt {

struct AdditiveAttentionOptions {
  AdditiveAttentionOptions(int64_t query_dim, int64_t key_dim, int64_t attn_dim)
      : query_dim_(query_dim), key_dim_(key_dim), attn_dim_(attn_dim) {}
  TORCH_ARG(int64_t, query_dim);  // size of s_{t-1}
  TORCH_ARG(int64_t, key_dim);    // size of h_j
  TORCH_ARG(int64_t, attn_dim);   // inner size of the scoring network
};

struct AdditiveAttentionOut {
  torch::Tensor context;   // [N, key_dim]  c_t
  torch::Tensor weights;   // [N, S]        α_t
  torch::Tensor energies;  // [N, S]        e_tj before masking (what the softmax reads)
};

class AdditiveAttentionImpl : public torch::nn::Cloneable<AdditiveAttentionImpl> {
 public:
  explicit AdditiveAttentionImpl(const AdditiveAttentionOptions& options);
  void reset() override;

  // U · h_j for every source position. memory: [N, S, key_dim] → keys: [N, S, attn_dim]
  torch::Tensor project_keys(const torch::Tensor& memory);

  // query: [N, query_dim] (s_{t-1}); keys: [N, S, attn_dim] from project_keys;
  // memory: [N, S, key_dim]; mask: [N, S] bool, true at real tokens.
  AdditiveAttentionOut forward(const torch::Tensor& query, const torch::Tensor& keys,
                               const torch::Tensor& memory, const torch::Tensor& mask);

  AdditiveAttentionOptions options;
  Linear query_proj{nullptr};  // W
  Linear key_proj{nullptr};    // U (its bias is the scoring network's bias)
  Linear score{nullptr};       // vᵀ
};
TORCH_MODULE(AdditiveAttention);

}  // namespace nmt
