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
  in_proj = register_module("in_proj", Linear(LinearOptions(D, 3 * D).row_splits({D})));
  out_proj = register_module("out_proj", Linear(LinearOptions(D, D)));
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

AttentionOut MultiHeadAttentionImpl::from_step(const StepAttentionOut& a) {
  const int64_t N = a.output.size(0);
  AttentionOut out;
  out.heads = a.output.unsqueeze(2);                                      // [N, H, 1, D/H]
  out.output = out_proj(a.output.reshape({N, 1, options.d_model()}));  // concat the heads, then W^O
  out.weights = a.weights.unsqueeze(2);                                   // [N, H, 1, K]
  return out;
}

AttentionOut MultiHeadAttentionImpl::forward_step(const torch::Tensor& x, const torch::Tensor& cache, int64_t channel,
                                                  const torch::Tensor& slot_of, int64_t t) {
  const int64_t D = options.d_model(), H = options.heads();
  TORCH_CHECK(x.dim() == 3 && x.size(1) == 1 && x.size(2) == D, "MultiHeadAttention step: x must be [N, 1, ", D,
              "], got ", x.sizes());
  const int64_t N = x.size(0);
  TORCH_CHECK(cache.dim() == 5 && cache.size(0) > t && cache.size(1) >= N && cache.size(3) == H &&
                  cache.size(4) == D / H && channel >= 0 && channel + 1 < cache.size(2),
              "MultiHeadAttention step: cache must be [T_cap > ", t, ", slots >= ", N, ", C > ", channel + 1, ", ", H,
              ", ", D / H, "], got ", cache.sizes());
  const auto proj = in_proj(x);  // [N, 1, 3D]: Q, K and V in one fused matmul
  const auto here = cache.select(0, t).narrow(0, 0, N);  // [N, C, H, D/H]: position t, slot n of hypothesis n
  here.select(1, channel).copy_(proj.narrow(2, D, D).view({N, H, D / H}));
  here.select(1, channel + 1).copy_(proj.narrow(2, 2 * D, D).view({N, H, D / H}));
  // The newest position may see every earlier one and itself: positions 0 … t, no mask.
  const auto q = proj.narrow(2, 0, D).reshape({N, H, D / H});
  AttentionOut out = from_step(cached_self_attention(q, cache, channel, slot_of, t));
  out.q = q.unsqueeze(2);
  return out;
}

AttentionOut MultiHeadAttentionImpl::attend_memory_step(const torch::Tensor& x, const torch::Tensor& k,
                                                        const torch::Tensor& v, const torch::Tensor& src_row,
                                                        const torch::Tensor& src_mask) {
  const int64_t D = options.d_model(), H = options.heads();
  TORCH_CHECK(x.dim() == 3 && x.size(1) == 1 && x.size(2) == D, "MultiHeadAttention step: x must be [N, 1, ", D,
              "], got ", x.sizes());
  const auto q = in_proj->forward_rows(x, 0, D).reshape({x.size(0), H, D / H});  // rows 0..D of in_proj: W^Q
  AttentionOut out = from_step(source_attention(q, k, v, src_row, src_mask));
  out.q = q.unsqueeze(2);
  out.k = k;
  out.v = v;
  return out;
}

std::pair<torch::Tensor, torch::Tensor> MultiHeadAttentionImpl::project_kv(const torch::Tensor& memory) {
  TORCH_CHECK(memory.dim() == 3 && memory.size(2) == options.d_model(),
              "MultiHeadAttention: memory must be [B, S, ", options.d_model(), "], got ", memory.sizes());
  const int64_t D = options.d_model();
  auto kv = in_proj->forward_rows(memory, D, 2 * D).chunk(2, -1);  // rows D..3D of in_proj: W^K and W^V
  return {split_heads(kv[0]), split_heads(kv[1])};
}

AttentionOut MultiHeadAttentionImpl::attend_memory(const torch::Tensor& x, const torch::Tensor& k,
                                                   const torch::Tensor& v, const torch::Tensor& mask) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "MultiHeadAttention: x must be [B, T, ",
              options.d_model(), "], got ", x.sizes());
  const int64_t D = options.d_model();
  auto q = in_proj->forward_rows(x, 0, D);  // rows 0..D of in_proj: W^Q
  return attend(split_heads(q), k, v, mask);
}

}  // namespace nmt
