#include "nmt/layers/multi_head_attention.h"

namespace nmt {

MultiHeadAttentionImpl::MultiHeadAttentionImpl(const MultiHeadAttentionOptions& options_)
    : options(options_) {
  TORCH_CHECK(options.d_model() % options.heads() == 0, "MultiHeadAttention: heads (", options.heads(),
              ") must divide d_model (", options.d_model(), ")");
  reset();
}

void MultiHeadAttentionImpl::reset() {
  const int64_t D = options.d_model();
  in_proj = register_module("in_proj", torch::nn::Linear(D, 3 * D));
  out_proj = register_module("out_proj", torch::nn::Linear(D, D));
  torch::nn::init::xavier_uniform_(in_proj->weight);
  torch::nn::init::xavier_uniform_(out_proj->weight);
  torch::nn::init::zeros_(in_proj->bias);
  torch::nn::init::zeros_(out_proj->bias);
}

torch::Tensor MultiHeadAttentionImpl::split_heads(const torch::Tensor& x) const {
  const int64_t H = options.heads();
  return x.view({x.size(0), x.size(1), H, x.size(2) / H}).transpose(1, 2);
}

torch::Tensor MultiHeadAttentionImpl::merge_heads(const torch::Tensor& x) const {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), options.d_model()});
}

AttentionOut MultiHeadAttentionImpl::attend(const torch::Tensor& q, const torch::Tensor& k,
                                            const torch::Tensor& v, const torch::Tensor& mask) {
  AttentionOut out = scaled_dot_product_attention(q, k, v, mask, options.dropout(), is_training());
  out.heads = out.output;
  out.output = out_proj(merge_heads(out.heads));  // concat the heads, then W^O
  out.q = q;
  out.k = k;
  out.v = v;
  return out;
}

AttentionOut MultiHeadAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "MultiHeadAttention: x must be [B, T, ",
              options.d_model(), "], got ", x.sizes());
  auto qkv = in_proj(x).chunk(3, /*dim=*/-1);  // one fused matmul for Q, K and V
  return attend(split_heads(qkv[0]), split_heads(qkv[1]), split_heads(qkv[2]), mask);
}

AttentionOut MultiHeadAttentionImpl::forward_cached(const torch::Tensor& x, torch::Tensor& k_cache,
                                                    torch::Tensor& v_cache) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "MultiHeadAttention: x must be [B, T, ",
              options.d_model(), "], got ", x.sizes());
  auto qkv = in_proj(x).chunk(3, -1);
  k_cache = torch::cat({k_cache, split_heads(qkv[1])}, /*dim=*/2);  // [B, H, T_past + T_new, D/H]
  v_cache = torch::cat({v_cache, split_heads(qkv[2])}, 2);
  torch::Tensor mask;
  const int64_t T_new = x.size(1), T_all = k_cache.size(2);
  if (T_new > 1)  // new position i (absolute T_all - T_new + i) sees keys 0 .. T_all - T_new + i
    mask = causal_mask(T_all, x.device()).narrow(0, T_all - T_new, T_new);
  return attend(split_heads(qkv[0]), k_cache, v_cache, mask);
}

std::pair<torch::Tensor, torch::Tensor> MultiHeadAttentionImpl::project_kv(const torch::Tensor& memory) {
  TORCH_CHECK(memory.dim() == 3 && memory.size(2) == options.d_model(),
              "MultiHeadAttention: memory must be [B, S, ", options.d_model(), "], got ", memory.sizes());
  const int64_t D = options.d_model();
  // Rows D..3D of in_proj are W^K and W^V.
  auto kv = torch::nn::functional::linear(memory, in_proj->weight.narrow(0, D, 2 * D),
                                          in_proj->bias.narrow(0, D, 2 * D))
                .chunk(2, -1);
  return {split_heads(kv[0]), split_heads(kv[1])};
}

AttentionOut MultiHeadAttentionImpl::attend_memory(const torch::Tensor& x, const torch::Tensor& k,
                                                   const torch::Tensor& v, const torch::Tensor& mask) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "MultiHeadAttention: x must be [B, T, ",
              options.d_model(), "], got ", x.sizes());
  const int64_t D = options.d_model();
  // Rows 0..D of in_proj are W^Q.
  auto q = torch::nn::functional::linear(x, in_proj->weight.narrow(0, 0, D), in_proj->bias.narrow(0, 0, D));
  return attend(split_heads(q), k, v, mask);
}

}  // namespace nmt
