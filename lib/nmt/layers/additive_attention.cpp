#include "nmt/layers/additive_attention.h"

namespace nmt {

AdditiveAttentionImpl::AdditiveAttentionImpl(const AdditiveAttentionOptions& options_)
    : options(options_) {
  reset();
}

void AdditiveAttentionImpl::reset() {
  query_proj = register_module(
      "query_proj",
      Linear(LinearOptions(options.query_dim(), options.attn_dim()).bias(false)));
  key_proj = register_module("key_proj", Linear(LinearOptions(options.key_dim(), options.attn_dim())));
  score = register_module(
      "score", Linear(LinearOptions(options.attn_dim(), 1).bias(false)));
}

torch::Tensor AdditiveAttentionImpl::project_keys(const torch::Tensor& memory) {
  TORCH_CHECK(memory.dim() == 3 && memory.size(2) == options.key_dim(),
              "AdditiveAttention: memory must be [N, S, ", options.key_dim(), "], got ", memory.sizes());
  return key_proj(memory);  // [N, S, A]
}

AdditiveAttentionOut AdditiveAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& keys,
                                                    const torch::Tensor& memory, const torch::Tensor& mask) {
  TORCH_CHECK(query.dim() == 2 && query.size(1) == options.query_dim(),
              "AdditiveAttention: query must be [N, ", options.query_dim(), "], got ", query.sizes());
  TORCH_CHECK(keys.dim() == 3 && keys.size(0) == query.size(0) && keys.size(2) == options.attn_dim(),
              "AdditiveAttention: keys must be [N, S, ", options.attn_dim(), "], got ", keys.sizes());
  TORCH_CHECK(mask.sizes() == keys.sizes().slice(0, 2), "AdditiveAttention: mask must be [N, S], got ",
              mask.sizes());

  // e_tj = vᵀ tanh(W s_{t-1} + U h_j)                       [N, S]
  auto energy = torch::tanh(keys + query_proj(query).unsqueeze(1));
  auto energies = score(energy).squeeze(2);
  // Padding may never be attended to: -inf becomes exactly 0 after the softmax.
  auto scores = energies.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
  auto weights = torch::softmax(scores, /*dim=*/1);  // α_t: [N, S]
  // c_t = Σ_j α_tj h_j                                      [N, key_dim]
  auto context = torch::bmm(weights.unsqueeze(1), memory).squeeze(1);
  return {context, weights, energies};
}

}  // namespace nmt
