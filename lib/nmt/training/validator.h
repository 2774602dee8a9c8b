// Validation on the dev set: loss/perplexity under teacher forcing, and BLEU/chrF of greedy
// or beam decoding with nmt::Translator, scored like `nmt score`.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/data/corpus.h"
#include "nmt/data/tokenizer.h"
#include "nmt/models/seq2seq.h"

namespace nmt {

struct DevResult {
  double loss = 0;  // mean NLL per target token (no label smoothing)
  double ppl = 0;
  double bleu = 0, chrf = 0;
  std::vector<std::string> sources, hyps, refs;  // the decoded subset
  double seconds = 0;
};

class Validator {
 public:
  Validator(const Config& cfg, const ParallelText& dev_text, const EncodedCorpus& dev,
            Tokenizers tok, torch::Device device);
  // Leaves the model in eval mode; the caller switches back to train().
  DevResult run(const Seq2Seq& model);
  // The value of train.metric in `r`, and whether higher is better.
  static double metric_value(const DevResult& r, DevMetric metric);
  static bool higher_is_better(DevMetric metric) { return metric != DevMetric::Loss; }

 private:
  const Config& cfg_;
  const ParallelText& text_;
  const EncodedCorpus& dev_;
  Tokenizers tok_;
  torch::Device device_;
};

}  // namespace nmt
