// Greedy and beam search for any Seq2Seq model, through the DecoderState contract only.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "nmt/models/seq2seq.h"

namespace nmt {

struct SearchOptions {
  int64_t beam_size = 5;        // 1 = greedy
  int64_t nbest = 1;            // hypotheses returned per sentence (<= beam_size)
  double length_penalty = 0.6;  // GNMT alpha: score / ((5 + len) / 6)^alpha; 0 = none
  double max_len_ratio = 1.5;   // max output tokens = ratio * source length + max_len_const
  int64_t max_len_const = 10;
  bool want_attention = false;  // keep per-step source attention of each returned hypothesis
};

struct Hypothesis {
  std::vector<int64_t> tokens;  // output ids without BOS/EOS
  double score = 0;             // length-penalised log-probability
  torch::Tensor attention;      // [T, S_real] (T = tokens + EOS) when asked, else undefined
};

// src: [B, S] int64, src_mask: [B, S] bool (already on the model's device).
// Returns, for each of the B sentences in order, up to nbest hypotheses, best first.
// Runs in eval mode under NoGradGuard; finished sentences leave the batch.
std::vector<std::vector<Hypothesis>> search(Seq2SeqImpl& model, const torch::Tensor& src,
                                            const torch::Tensor& src_mask, const SearchOptions& opt);

}  // namespace nmt
