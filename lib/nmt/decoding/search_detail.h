// Internals shared by greedy and beam search (not part of the public API).
#pragma once
#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "nmt/decoding/search.h"
#include "nmt/models/seq2seq.h"

namespace nmt::detail {

// Per-batch facts both searches need: the encoder output, and for every sentence its real
// source positions and its maximum output length (tokens including EOS).
struct SearchInputs {
  EncoderOut enc;
  std::vector<int64_t> max_len;              // [B], >= 1
  std::vector<torch::Tensor> real_positions;  // [B] × [S_real] int64 (CPU), for attention
};
SearchInputs prepare(Seq2SeqImpl& model, const torch::Tensor& src, const torch::Tensor& src_mask,
                     const SearchOptions& opt);

// GNMT length penalty ((5 + len) / 6)^alpha; len counts the EOS.
inline double length_penalty(int64_t len, double alpha) {
  return alpha == 0 ? 1.0 : std::pow((5.0 + static_cast<double>(len)) / 6.0, alpha);
}

// logits: [N, V] → log-probabilities [N, V] (float32), with PAD and BOS never generated and,
// on rows where force_eos[i] is true (the last allowed step), only EOS allowed.
torch::Tensor next_token_logprobs(const torch::Tensor& logits, const std::vector<bool>& force_eos);

// The attention history of one hypothesis, hist: [T, S] → [T, S_real] on the CPU.
torch::Tensor real_attention(const torch::Tensor& hist, const torch::Tensor& real_positions);

std::vector<std::vector<Hypothesis>> greedy_search(Seq2SeqImpl& model, const SearchInputs& in,
                                                   const SearchOptions& opt);
std::vector<std::vector<Hypothesis>> beam_search(Seq2SeqImpl& model, const SearchInputs& in,
                                                 const SearchOptions& opt);

}  // namespace nmt::detail
