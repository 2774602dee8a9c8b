// Greedy and beam search for any Seq2Seq model, through the DecoderState contract only.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "nmt/decoding/decoding_options.h"
#include "nmt/models/seq2seq.h"

namespace nmt {

// The decoding options (beam, n-best, length penalty, maximum length) and what the caller
// wants back besides the tokens.
struct SearchOptions : DecodingOptions {
  bool want_attention = false;  // keep per-step source attention of each returned hypothesis
};

// A model's `decode:` defaults as search options.
inline SearchOptions search_options(const DecodingOptions& d) {
  SearchOptions so;
  static_cast<DecodingOptions&>(so) = d;
  return so;
}

struct Hypothesis {
  std::vector<int64_t> tokens;  // output ids without BOS/EOS
  double score = 0;             // length-penalised log-probability
  torch::Tensor attention;      // [T, S_real] (T = tokens + EOS) when asked, else undefined
};

// src: [B, S] int64, src_mask: [B, S] bool (already on the model's device).
// Returns, for each of the B sentences in order, up to nbest hypotheses, best first.
// Runs in eval mode under NoGradGuard; finished sentences leave the batch. Throws ConfigError
// for invalid options (validate_decoding_options). Outputs never exceed the model's
// max_target_positions().
std::vector<std::vector<Hypothesis>> search(Seq2SeqImpl& model, const torch::Tensor& src,
                                            const torch::Tensor& src_mask, const SearchOptions& opt);

}  // namespace nmt
