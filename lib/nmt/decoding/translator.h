// Text in, text out: tokenize, batch by length, search, detokenize, restore input order.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nmt/data/tokenizer.h"
#include "nmt/decoding/search.h"
#include "nmt/models/seq2seq.h"

namespace nmt {

struct Translation {
  std::string text;                        // best hypothesis, detokenized
  std::vector<int64_t> tokens;             // its target ids (without BOS/EOS)
  double score = 0;
  std::vector<std::pair<std::string, double>> nbest;  // (text, score), best first, if nbest > 1
  std::vector<std::string> src_pieces;     // source tokens (+ "</s>"), for attention labels
  std::vector<std::string> tgt_pieces;     // output tokens (+ "</s>")
  torch::Tensor attention;                 // [T, S] when SearchOptions::want_attention
  int64_t tgt_tokens = 0;                  // generated tokens incl. EOS
  bool truncated = false;                  // source was cut to max_src_len
};

class Translator {
 public:
  // max_src_len: longer sources (in tokens, before EOS) are truncated, and so are sources the
  // model cannot encode (its max_source_positions()); 0 = only the model's limit.
  Translator(Seq2Seq model, Tokenizers tok, SearchOptions opt, int64_t batch_size,
             torch::Device device, int64_t max_src_len);
  // One Translation per input line, in input order. Empty lines give empty translations.
  std::vector<Translation> translate(const std::vector<std::string>& lines);
  SearchOptions& options() { return opt_; }
  int64_t max_src_len() const { return max_src_len_; }  // 0 = no limit

 private:
  Seq2Seq model_;
  Tokenizers tok_;
  SearchOptions opt_;
  int64_t batch_size_;
  torch::Device device_;
  int64_t max_src_len_;
};

}  // namespace nmt
