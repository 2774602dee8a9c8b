// The encoder–decoder without attention (Sutskever et al. 2014; Cho et al. 2014).
//
// The encoder reads the source and its final state is the ONLY thing the decoder ever sees
// of it: the whole sentence must fit through one fixed-size vector. The decoder is a
// language model over the target, started from that vector:
//
//   s_0 = bridge(h_S)          (identity for a unidirectional encoder;
//                               tanh(W [→h_S ; ←h_1]) for a bidirectional one)
//   s_t = RNN(s_{t-1}, emb(y_{t-1}))
//   p(y_t | y_<t, x) = softmax(W_o s_t)
//
// DecoderState: per_hyp["h"] (and ["c"] for LSTM) = [N, layers, hidden]; per_src is empty.
#pragma once
#include <torch/torch.h>

#include "nmt/layers/linear.h"
#include "nmt/models/options.h"
#include "nmt/models/rnn_encoder.h"
#include "nmt/models/seq2seq.h"

namespace nmt {

class RnnSeq2SeqImpl : public Seq2SeqImpl {
 public:
  // options.src_vocab/tgt_vocab must be set; throws ConfigError for invalid options.
  explicit RnnSeq2SeqImpl(const RnnOptions& options);

  EncoderOut encode(const torch::Tensor& src, const torch::Tensor& src_mask) override;
  DecoderState start(const EncoderOut& enc) override;
  StepOut step(const torch::Tensor& prev, DecoderState& state, bool want_attention = false) override;
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) override;
  ModelTrace trace(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) override;
  int64_t target_vocab() const override { return options.tgt_vocab(); }
  std::string arch() const override { return "rnn"; }
  std::string title() const override { return "RNN, no attention"; }
  AttentionViews attention_views() const override { return {}; }  // nothing to weigh

  RnnOptions options;

  RnnEncoder encoder{nullptr};
  Linear bridge_h{nullptr}, bridge_c{nullptr};  // bidirectional encoder only
  torch::nn::Embedding tgt_embedding{nullptr};
  torch::nn::GRU decoder_gru{nullptr};
  torch::nn::LSTM decoder_lstm{nullptr};
  torch::nn::Dropout dropout{nullptr};
  Linear generator{nullptr};     // output layer; tied: s W_embᵀ + generator_bias (tgt_embedding's weight)
  torch::Tensor generator_bias;  // tied only

 private:
  // Runs the decoder RNN over x: [B, T, E] from states h/c: [layers, B, H].
  // Returns outputs [B, T, H] and updates h/c.
  torch::Tensor run_decoder(const torch::Tensor& x, torch::Tensor& h, torch::Tensor& c);
  torch::Tensor logits(const torch::Tensor& s);  // [..., H] → [..., V]
};

}  // namespace nmt
