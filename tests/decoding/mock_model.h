// A tiny deterministic Seq2Seq for search tests: no parameters, logits a fixed function of
// the decoded prefix (a running hash kept in DecoderState::per_hyp) and of the real source
// tokens (per_src), so padding cannot leak and every row is independent.
#pragma once
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "nmt/data/vocab.h"
#include "nmt/models/seq2seq.h"

namespace nmt_test {

class MockModel : public nmt::Seq2SeqImpl {
 public:
  // EOS grows likelier (by eos_bias per step) once the output is longer than the source;
  // suppress_eos: EOS is (almost) never chosen unless the search forces it.
  explicit MockModel(int64_t vocab = 12, double eos_bias = 1.5, bool suppress_eos = false)
      : vocab_(vocab), eos_bias_(eos_bias), suppress_eos_(suppress_eos) {}

  nmt::EncoderOut encode(const torch::Tensor& src, const torch::Tensor& src_mask) override {
    nmt::EncoderOut e;
    e.memory = src.to(torch::kDouble).unsqueeze(2);  // [B, S, 1]
    e.src_mask = src_mask;
    return e;
  }

  nmt::DecoderState start(const nmt::EncoderOut& enc) override {
    nmt::DecoderState st;
    const torch::Tensor src = enc.memory.squeeze(2);                 // [B, S]
    const torch::Tensor mask = enc.src_mask.to(torch::kDouble);      // [B, S]
    st.per_src["mask"] = enc.src_mask;
    st.per_src["srcsum"] = (src * mask * (1 + torch::arange(src.size(1), torch::kDouble))).sum(1);  // [B]
    st.per_src["srclen"] = mask.sum(1);                              // [B]
    st.per_hyp["h"] = torch::zeros({src.size(0)}, torch::kDouble);  // [B]
    return st;
  }

  nmt::StepOut step(const torch::Tensor& prev, nmt::DecoderState& st, bool want_attention) override {
    const int64_t n = prev.size(0);
    rows_seen.push_back(n);
    training_seen.push_back(is_training());
    TORCH_CHECK(st.per_hyp.at("h").size(0) == n && st.per_src.at("srcsum").size(0) == n, "mock: state rows");
    torch::Tensor h = torch::fmod(st.per_hyp.at("h") * 1.37 + prev.to(torch::kDouble) * 0.61 + 0.1, 97.0);
    st.per_hyp["h"] = h;
    const double t = static_cast<double>(st.step++);
    const torch::Tensor v = torch::arange(vocab_, torch::kDouble);  // [V]
    torch::Tensor logits = torch::sin(h.unsqueeze(1) * (v + 1) * 0.7 +
                                      st.per_src.at("srcsum").unsqueeze(1) * 0.13 + v * 1.3) * 3;  // [N, V]
    logits.select(1, nmt::kEosId) += suppress_eos_ ? torch::full_like(h, -100.0)
                                                   : eos_bias_ * (t + 1 - st.per_src.at("srclen"));
    nmt::StepOut out;
    out.logits = logits.to(torch::kFloat);
    if (want_attention) {
      const torch::Tensor mask = st.per_src.at("mask");
      const int64_t s = mask.size(1);
      torch::Tensor sc = torch::sin(h.unsqueeze(1) + torch::arange(s, torch::kDouble) * 0.9);  // [N, S]
      sc = sc.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
      out.attention = torch::softmax(sc, 1).to(torch::kFloat);
    }
    return out;
  }

  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& src_mask,
                        const torch::Tensor& tgt_in) override {
    auto st = start(encode(src, src_mask));
    std::vector<torch::Tensor> steps;
    for (int64_t t = 0; t < tgt_in.size(1); ++t) steps.push_back(step(tgt_in.select(1, t), st, false).logits);
    return torch::stack(steps, 1);  // [B, T, V]
  }

  nmt::ModelTrace trace(const torch::Tensor& src, const torch::Tensor& src_mask,
                       const torch::Tensor& tgt_in) override {
    return {{}, {"mock: no internals"}, forward(src, src_mask, tgt_in)[0]};
  }

  int64_t target_vocab() const override { return vocab_; }
  std::string arch() const override { return "mock"; }
  std::string title() const override { return "mock model"; }
  nmt::AttentionViews attention_views() const override { return {1, 1, "mock attention"}; }
  int64_t max_target_positions() const override { return max_target_positions_; }

  std::vector<int64_t> rows_seen;       // N of every step() call
  std::vector<bool> training_seen;      // is_training() at every step() call
  int64_t max_target_positions_ = 0;    // 0 = no limit

 private:
  int64_t vocab_;
  double eos_bias_;
  bool suppress_eos_;
};

// Sentences of ids in [4, 12), each ending with EOS; padded into [B, S] + mask.
inline std::pair<torch::Tensor, torch::Tensor> make_batch(const std::vector<std::vector<int64_t>>& sents) {
  size_t s = 0;
  for (const auto& x : sents) s = std::max(s, x.size() + 1);
  torch::Tensor src = torch::full({static_cast<int64_t>(sents.size()), static_cast<int64_t>(s)}, nmt::kPadId,
                                  torch::kLong);
  for (size_t b = 0; b < sents.size(); ++b) {
    for (size_t j = 0; j < sents[b].size(); ++j) src[b][j] = sents[b][j];
    src[b][sents[b].size()] = nmt::kEosId;
  }
  return {src, src.ne(nmt::kPadId)};
}

}  // namespace nmt_test
