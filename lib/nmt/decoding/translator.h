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

// A source line as search reads it.
struct EncodedSource {
  std::vector<int32_t> ids;  // source ids + EOS, at most max_src_len + 1; empty for an empty line
  bool truncated = false;    // the line was longer than max_src_len tokens
};

class Translator {
 public:
  // max_src_len: longer sources (in tokens, before EOS) are truncated, and so are sources the
  // model cannot encode (its max_source_positions()); 0 = only the model's limit.
  Translator(Seq2Seq model, Tokenizers tok, SearchOptions opt, int64_t batch_size,
             torch::Device device, int64_t max_src_len);
  // One Translation per input line, in input order. Empty lines give empty translations.
  // The same as encode() each line, then search_batch() over length-sorted chunks of
  // batch_size, then to_translation().
  std::vector<Translation> translate(const std::vector<std::string>& lines);
  SearchOptions& options() { return opt_; }
  int64_t max_src_len() const { return max_src_len_; }  // 0 = no limit

  // The pieces of translate(), for callers that batch themselves (nmt serve). encode(),
  // to_translation() and source_pieces() only read the tokenizers and may run on any thread;
  // search_batch() runs the model and must be called from one thread at a time.
  EncodedSource encode(const std::string& line) const;
  // One search() over `batch` (none empty), padded into one [B, S] batch in the given order.
  std::vector<std::vector<Hypothesis>> search_batch(const std::vector<const EncodedSource*>& batch,
                                                    const SearchOptions& opt);
  // Text, score, n-best (when opt.nbest > 1) and attention labels (when opt.want_attention).
  Translation to_translation(const EncodedSource& src, const std::vector<Hypothesis>& nbest,
                             const SearchOptions& opt) const;
  // The source's pieces (without the EOS id) + "</s>": attention labels; empty for an empty line.
  std::vector<std::string> source_pieces(const EncodedSource& src) const;
  const Tokenizers& tokenizers() const { return tok_; }
  const Seq2Seq& model() const { return model_; }
  torch::Device device() const { return device_; }

 private:
  Seq2Seq model_;
  Tokenizers tok_;
  SearchOptions opt_;
  int64_t batch_size_;
  torch::Device device_;
  int64_t max_src_len_;
};

}  // namespace nmt
