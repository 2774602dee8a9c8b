// RNN encoder–decoder with additive attention (Bahdanau, Cho & Bengio 2015).
//
// Instead of squeezing the source into one vector, the decoder re-reads all encoder states
// at every step and takes a weighted average of them, the context c_t:
//
//   h_j  = [→h_j ; ←h_j]                          bidirectional encoder, hidden/2 per direction
//   s_0  = tanh(W_b [→h_S ; ←h_1])                bridge from the encoder's final states
//   α_t  = softmax_j(vᵀ tanh(W s_{t-1} + U h_j))  additive attention (layers/additive_attention.h)
//   c_t  = Σ_j α_tj h_j
//   s_t  = RNN(s_{t-1}, [emb(y_{t-1}) ; c_t])
//   r_t  = maxout(W_r [s_t ; c_t ; emb(y_{t-1})])  readout, emb_dim wide
//   p(y_t | y_<t, x) = softmax(W_o r_t)
//
// With several decoder layers, the top layer's state is the attention query and s_t.
// DecoderState: per_src {"memory" [N,S,H], "src_mask" [N,S], "keys" [N,S,A] = U·h};
// per_hyp {"h" [N, dec_layers, H] and, for LSTM, "c"}.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "nmt/layers/linear.h"
#include "nmt/layers/additive_attention.h"
#include "nmt/models/options.h"
#include "nmt/models/rnn_encoder.h"
#include "nmt/models/seq2seq.h"

namespace nmt {

class BahdanauSeq2SeqImpl : public Seq2SeqImpl {
 public:
  // options.src_vocab/tgt_vocab must be set; throws ConfigError for invalid options.
  explicit BahdanauSeq2SeqImpl(const BahdanauOptions& options);

  EncoderOut encode(const torch::Tensor& src, const torch::Tensor& src_mask) override;
  DecoderState start(const EncoderOut& enc) override;
  StepOut step(const torch::Tensor& prev, DecoderState& state, bool want_attention = false) override;
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) override;
  ModelTrace trace(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) override;
  int64_t target_vocab() const override { return options.tgt_vocab(); }
  std::string arch() const override { return "bahdanau"; }
  std::string title() const override { return "RNN + Bahdanau attention"; }
  AttentionViews attention_views() const override { return {1, 1, "Bahdanau alignment"}; }

  BahdanauOptions options;

  RnnEncoder encoder{nullptr};
  Linear bridge_h{nullptr}, bridge_c{nullptr};
  torch::nn::Embedding tgt_embedding{nullptr};
  AdditiveAttention attention{nullptr};
  torch::nn::ModuleList cells{nullptr};  // GRUCell / LSTMCell per decoder layer
  Linear readout{nullptr};    // [s; c; emb] → 2 × emb_dim, then maxout
  torch::nn::Dropout dropout{nullptr};
  Linear generator{nullptr};     // output layer; tied: r W_embᵀ + generator_bias (tgt_embedding's weight)
  torch::Tensor generator_bias;  // tied only

 private:
  // Recurrent state of every decoder layer: [N, H] each.
  struct Recurrent {
    std::vector<torch::Tensor> h, c;
  };
  struct StepResult {
    torch::Tensor s;         // [N, H] top-layer state s_t
    torch::Tensor context;   // [N, H] c_t
    torch::Tensor weights;   // [N, S] α_t
    torch::Tensor query;     // [N, H] s_{t-1}, the attention query
    torch::Tensor energies;  // [N, S] e_tj, before masking
  };
  // One decoder step from emb(y_{t-1}) [N, E]; updates `rec`.
  StepResult decode_step(const torch::Tensor& emb, Recurrent& rec, const torch::Tensor& keys,
                         const torch::Tensor& memory, const torch::Tensor& mask);
  // [..., H], [..., H], [..., E] → logits [..., V]
  torch::Tensor output_layer(const torch::Tensor& s, const torch::Tensor& context, const torch::Tensor& emb);
  Recurrent initial_state(const EncoderOut& enc);
  bool lstm() const { return options.cell() == RnnCell::LSTM; }
};

}  // namespace nmt
