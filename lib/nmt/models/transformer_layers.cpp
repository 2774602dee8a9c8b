#include "nmt/models/transformer_layers.h"

namespace nmt {

torch::Tensor residual(const torch::Tensor& x, torch::nn::LayerNorm& norm, torch::nn::Dropout& dropout, bool pre_norm,
                       const std::function<torch::Tensor(const torch::Tensor&)>& sublayer) {
  if (pre_norm) return x + dropout(sublayer(norm(x)));
  return norm(x + dropout(sublayer(x)));
}

namespace {

MultiHeadAttention make_attention(const TransformerLayerOptions& o) {
  return MultiHeadAttention(MultiHeadAttentionOptions(o.d_model(), o.heads()).dropout(o.attention_dropout()));
}

FeedForward make_ffn(const TransformerLayerOptions& o) {
  return FeedForward(FeedForwardOptions(o.d_model(), o.ffn()).dropout(o.dropout()));
}

torch::nn::LayerNorm make_norm(const TransformerLayerOptions& o) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model()}));
}

}  // namespace

// ---- encoder layer ------------------------------------------------------------------------

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(const TransformerLayerOptions& options_)
    : options(options_) {
  reset();
}

void TransformerEncoderLayerImpl::reset() {
  self_attn = register_module("self_attn", make_attention(options));
  ffn = register_module("ffn", make_ffn(options));
  self_attn_norm = register_module("self_attn_norm", make_norm(options));
  ffn_norm = register_module("ffn_norm", make_norm(options));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

torch::Tensor TransformerEncoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& src_mask) {
  auto h = residual(x, self_attn_norm, dropout, options.pre_norm(),
                    [&](const torch::Tensor& in) { return self_attn(in, src_mask).output; });
  return residual(h, ffn_norm, dropout, options.pre_norm(), [&](const torch::Tensor& in) { return ffn(in); });
}

// ---- decoder layer ------------------------------------------------------------------------

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(const TransformerLayerOptions& options_)
    : options(options_) {
  reset();
}

void TransformerDecoderLayerImpl::reset() {
  self_attn = register_module("self_attn", make_attention(options));
  cross_attn = register_module("cross_attn", make_attention(options));
  ffn = register_module("ffn", make_ffn(options));
  self_attn_norm = register_module("self_attn_norm", make_norm(options));
  cross_attn_norm = register_module("cross_attn_norm", make_norm(options));
  ffn_norm = register_module("ffn_norm", make_norm(options));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

DecoderLayerOut TransformerDecoderLayerImpl::attend_source_and_transform(
    const torch::Tensor& x, const std::function<AttentionOut(const torch::Tensor&)>& attend) {
  AttentionOut cross;
  auto h = residual(x, cross_attn_norm, dropout, options.pre_norm(), [&](const torch::Tensor& in) {
    cross = attend(in);
    return cross.output;
  });
  h = residual(h, ffn_norm, dropout, options.pre_norm(), [&](const torch::Tensor& in) { return ffn(in); });
  DecoderLayerOut out;
  out.x = h;
  out.cross_weights = cross.weights;
  out.cross_attention = std::move(cross);
  return out;
}

DecoderLayerOut TransformerDecoderLayerImpl::forward(const torch::Tensor& x, const torch::Tensor& causal,
                                                     const torch::Tensor& memory_k, const torch::Tensor& memory_v,
                                                     const torch::Tensor& src_mask) {
  AttentionOut self;
  auto h = residual(x, self_attn_norm, dropout, options.pre_norm(), [&](const torch::Tensor& in) {
    self = self_attn(in, causal);
    return self.output;
  });
  DecoderLayerOut out = attend_source_and_transform(
      h, [&](const torch::Tensor& in) { return cross_attn->attend_memory(in, memory_k, memory_v, src_mask); });
  out.self_attention = std::move(self);
  return out;
}

DecoderLayerOut TransformerDecoderLayerImpl::forward_step(const torch::Tensor& x, const torch::Tensor& cache,
                                                          int64_t channel, const torch::Tensor& slot_of, int64_t t,
                                                          const torch::Tensor& memory_k,
                                                          const torch::Tensor& memory_v, const torch::Tensor& src_row,
                                                          const torch::Tensor& src_mask) {
  TORCH_CHECK(x.dim() == 3 && x.size(1) == 1, "decoder layer step: x must be [N, 1, D], got ", x.sizes());
  auto h = residual(x, self_attn_norm, dropout, options.pre_norm(), [&](const torch::Tensor& in) {
    return self_attn->forward_step(in, cache, channel, slot_of, t).output;
  });
  return attend_source_and_transform(h, [&](const torch::Tensor& in) {
    return cross_attn->attend_memory_step(in, memory_k, memory_v, src_row, src_mask);
  });
}

}  // namespace nmt
