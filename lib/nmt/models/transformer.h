// The Transformer (Vaswani et al. 2017): attention only, no recurrence.
//
//   encoder:  x = Emb(src)·√d + PE;   N × [self-attention → FFN]
//   decoder:  y = Emb(tgt_in)·√d + PE; N × [causal self-attention → cross-attention → FFN]
//   logits  = y W_outᵀ   (W_out = the shared embedding when tied_embeddings)
//
// Training runs all target positions at once under a causal mask. Incremental decoding
// (start/step) keeps (layers/step_attention.h)
//   shared["self_kv"]:   [T_cap, slots, 2·L, H, d_k]  self-attention K (channel 2l) and V
//                        (2l + 1) of every decoder layer l. Step t writes hypothesis n's K/V at
//                        [t, n] in place; the cache doubles T_cap when full and grows its slots
//                        when there are more hypotheses than slots (after expand).
//   per_hyp["kv_slot"]:  [N, t] int64  the slot that holds each hypothesis' positions 0 … t-1:
//                        beam search's reorder moves this index, never the cache.
//   per_hyp["src_row"]:  [N] int64  each hypothesis' source sentence, a row of:
//   shared["cross_k.<l>"], ["cross_v.<l>"]: [B, H, S, d_k]  K/V of the memory, computed once,
//                        never copied per beam
//   shared["src_mask"]:  [B, S]
// so step t costs O(t) and gives the same numbers as forward (same masks, same maths).
#pragma once
#include <torch/torch.h>

#include "nmt/layers/embeddings.h"
#include "nmt/layers/linear.h"
#include "nmt/models/options.h"
#include "nmt/models/seq2seq.h"
#include "nmt/models/transformer_layers.h"

namespace nmt {

class TransformerImpl : public Seq2SeqImpl {
 public:
  // options.src_vocab/tgt_vocab must be set; throws ConfigError for invalid options.
  explicit TransformerImpl(const TransformerOptions& options);

  EncoderOut encode(const torch::Tensor& src, const torch::Tensor& src_mask) override;
  DecoderState start(const EncoderOut& enc) override;
  StepOut step(const torch::Tensor& prev, DecoderState& state, bool want_attention = false) override;
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) override;
  ModelTrace trace(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) override;
  int64_t target_vocab() const override { return options.tgt_vocab(); }
  std::string arch() const override { return "transformer"; }
  std::string title() const override { return "Transformer"; }
  int64_t max_source_positions() const override { return options.max_positions(); }
  int64_t max_target_positions() const override { return options.max_positions(); }
  AttentionViews attention_views() const override {
    return {options.dec_layers(), options.heads(), "Transformer cross-attention"};
  }
  // layer in [0, dec_layers) or -1 (last); head in [0, heads) or -1 (average over heads).
  void set_attention_view(int64_t layer, int64_t head) override;

  TransformerOptions options;

  torch::nn::Embedding shared_embedding{nullptr};  // tied: source, target and output weights
  TransformerEmbedding src_embed{nullptr}, tgt_embed{nullptr};
  torch::nn::ModuleList encoder_layers{nullptr}, decoder_layers{nullptr};
  torch::nn::LayerNorm encoder_norm{nullptr}, decoder_norm{nullptr};  // pre-norm only
  torch::nn::Dropout dropout{nullptr};
  Linear generator{nullptr};  // output projection; tied: y · shared_embeddingᵀ

 private:
  torch::Tensor logits(const torch::Tensor& y);  // [..., D] → [..., V]
  // [N, H, Tq, S] cross-attention weights → the chosen view [N, Tq, S]
  torch::Tensor attention_view(const torch::Tensor& weights) const;
  int64_t view_layer() const;

  int64_t attn_layer_ = -1, attn_head_ = -1;
};

}  // namespace nmt
