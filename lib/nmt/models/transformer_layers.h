// One encoder layer and one decoder layer of the Transformer (Vaswani et al. 2017).
//
// Encoder layer:  self-attention over the source, then a feed-forward network.
// Decoder layer:  causal self-attention over the target so far, cross-attention over the
//                 encoder memory, then a feed-forward network.
//
// Every sub-layer f is wrapped in a residual connection with layer normalisation, either
//   post-norm (the original paper):  x ← LN(x + Dropout(f(x)))
//   pre-norm  (more stable, deep):   x ← x + Dropout(f(LN(x)))    (+ a final LN per stack)
#pragma once
#include <torch/torch.h>

#include <functional>

#include "nmt/layers/feed_forward.h"
#include "nmt/layers/multi_head_attention.h"

namespace nmt {

struct TransformerLayerOptions {
  TransformerLayerOptions(int64_t d_model, int64_t heads, int64_t ffn) : d_model_(d_model), heads_(heads), ffn_(ffn) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, heads);
  TORCH_ARG(int64_t, ffn);
  TORCH_ARG(double, dropout) = 0.1;            // on every sub-layer output (and inside the FFN)
  TORCH_ARG(double, attention_dropout) = 0.0;  // on attention weights
  TORCH_ARG(bool, pre_norm) = true;
};

// x ← LN(x + Dropout(f(x)))  or  x ← x + Dropout(f(LN(x)))
torch::Tensor residual(const torch::Tensor& x, torch::nn::LayerNorm& norm, torch::nn::Dropout& dropout, bool pre_norm,
                       const std::function<torch::Tensor(const torch::Tensor&)>& sublayer);

class TransformerEncoderLayerImpl : public torch::nn::Cloneable<TransformerEncoderLayerImpl> {
 public:
  explicit TransformerEncoderLayerImpl(const TransformerLayerOptions& options);
  void reset() override;
  // x: [B, S, D]; src_mask: [B, 1, 1, S] bool → [B, S, D]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& src_mask);

  TransformerLayerOptions options;
  MultiHeadAttention self_attn{nullptr};
  FeedForward ffn{nullptr};
  torch::nn::LayerNorm self_attn_norm{nullptr}, ffn_norm{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(TransformerEncoderLayer);

struct DecoderLayerOut {
  torch::Tensor x;              // [B, T, D]
  torch::Tensor cross_weights;  // [B, H, T, S]
  // Everything both attentions computed (q, k, v, scores, weights, per-head outputs); the
  // cross-attention always, the self-attention from forward() only. For `nmt explain`.
  AttentionOut self_attention, cross_attention;
};

class TransformerDecoderLayerImpl : public torch::nn::Cloneable<TransformerDecoderLayerImpl> {
 public:
  explicit TransformerDecoderLayerImpl(const TransformerLayerOptions& options);
  void reset() override;

  // Teacher forcing over all T positions. x: [B, T, D]; causal: [T, T] bool;
  // memory_k/v: [B, H, S, D/H] from cross_attn->project_kv(memory); src_mask: [B, 1, 1, S].
  DecoderLayerOut forward(const torch::Tensor& x, const torch::Tensor& causal, const torch::Tensor& memory_k,
                          const torch::Tensor& memory_v, const torch::Tensor& src_mask);

  // Incremental decoding of the newest position t. x: [N, 1, D]; cache, channel, slot_of:
  // the self-attention K/V cache as MultiHeadAttention::forward_step takes it (this layer's K
  // and V in channels `channel` and `channel + 1`), written at position t in place;
  // memory_k/v: [B, H, S, D/H] from project_kv; src_row: [N] int64, each hypothesis' source;
  // src_mask: [B, S] bool. Same maths as forward(), position by position.
  DecoderLayerOut forward_step(const torch::Tensor& x, const torch::Tensor& cache, int64_t channel,
                               const torch::Tensor& slot_of, int64_t t, const torch::Tensor& memory_k,
                               const torch::Tensor& memory_v, const torch::Tensor& src_row,
                               const torch::Tensor& src_mask);

  TransformerLayerOptions options;
  MultiHeadAttention self_attn{nullptr}, cross_attn{nullptr};
  FeedForward ffn{nullptr};
  torch::nn::LayerNorm self_attn_norm{nullptr}, cross_attn_norm{nullptr}, ffn_norm{nullptr};
  torch::nn::Dropout dropout{nullptr};

 private:
  // Cross-attention (computed by `attend`, from the normalised input) and FFN, shared by
  // forward() and forward_step(); x is the self-attention output.
  DecoderLayerOut attend_source_and_transform(const torch::Tensor& x,
                                              const std::function<AttentionOut(const torch::Tensor&)>& attend);
};
TORCH_MODULE(TransformerDecoderLayer);

}  // namespace nmt
