// An ensemble of models as one more Seq2Seq: search, the translator and the validator use it
// through the contract, unchanged.
//
//   score(y_t | y_<t, x) = Σ_i w_i · log p_i(y_t | y_<t, x)        (weights normalised to sum 1)
//
// step() returns this weighted mean of the members' log-probabilities as its logits, and
// search's log-softmax renormalises it (a product of experts, as Marian's ensembles are).
// Members may be of different architectures (a Transformer with a Bahdanau RNN) but must share
// the target vocabulary and take the same source ids (load_models() in training/model_dir.h
// checks both vocabularies piece by piece; the constructor checks the target size).
//
// State: every tensor of member i's EncoderOut and DecoderState is kept in the ensemble's under
// "m<i>/" + its key (EncoderOut::extra["m0/memory"], DecoderState::per_hyp["m1/h"], ...), in
// per_hyp, per_src or shared as the member put it, so DecoderState's expand(), reorder() and keep()
// reach every member at once and the ensemble adds no bookkeeping of its own.
//
// Order: members are sorted by a fingerprint of their weights (then by weight), so the
// floating-point sum, and so the output, does not depend on the order they were given in.
// Attention: the first member in that order that has attention views reports it (step, trace).
// One member: its logits pass through unchanged (an ensemble of one is that model, bit for bit).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nmt/models/seq2seq.h"

namespace nmt {

class EnsembleImpl : public Seq2SeqImpl {
 public:
  // members: one or more models; weights: one positive weight per member, or empty for equal
  // weights. Throws UsageError for different target vocabulary sizes or bad weights.
  explicit EnsembleImpl(std::vector<Seq2Seq> members, std::vector<double> weights = {});

  EncoderOut encode(const torch::Tensor& src, const torch::Tensor& src_mask) override;
  DecoderState start(const EncoderOut& enc) override;
  StepOut step(const torch::Tensor& prev, DecoderState& state, bool want_attention = false) override;
  // Σ_i w_i log_softmax(forward_i): [B, T, V] (one member: its logits unchanged).
  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) override;
  int64_t target_vocab() const override { return members_.front()->target_vocab(); }
  std::string arch() const override { return "ensemble"; }
  std::string title() const override;
  // The tightest of the members' limits (0 = none of them has one).
  int64_t max_source_positions() const override;
  int64_t max_target_positions() const override;
  AttentionViews attention_views() const override;
  void set_attention_view(int64_t layer, int64_t head) override;
  // The attention member's trace, with the ensemble's logits ([T, V], as forward) and a note.
  ModelTrace trace(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) override;

  // In canonical order, with normalised weights.
  const std::vector<Seq2Seq>& members() const { return members_; }
  const std::vector<double>& weights() const { return weights_; }

 private:
  std::vector<Seq2Seq> members_;
  std::vector<double> weights_;
  int64_t attention_member_ = -1;  // index of the member that reports attention, -1 = none
};

// A 64-bit fingerprint of a model's architecture, parameter and buffer names, shapes and values
// (equal models, equal fingerprints). Used for the ensemble's canonical member order.
uint64_t model_fingerprint(Seq2SeqImpl& model);

}  // namespace nmt
