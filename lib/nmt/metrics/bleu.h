// Corpus BLEU, identical to sacreBLEU's default (13a tokenization, exponential smoothing).
// No torch dependency.
#pragma once
#include <string>
#include <vector>

namespace nmt {

struct BleuOptions {
  std::string tokenize = "13a";  // none | 13a | intl | char
  bool lowercase = false;
  std::string smooth = "exp";    // exp | floor | add-k | none
};

struct BleuResult {
  double score = 0;                  // 0..100
  std::vector<double> precisions;    // 4 n-gram precisions, percent
  double bp = 0;                     // brevity penalty
  double ratio = 0;                  // sys_len / ref_len
  long long sys_len = 0, ref_len = 0;
  std::string signature;             // e.g. nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.x
  std::string format() const;        // "BLEU = 12.34 45.6/20.1/10.0/5.0 (BP = ... ratio = ... hyp_len = ... ref_len = ...)"
};

// Throws UsageError unless there is at least one reference stream and each has one line per
// hypothesis; `who` names the caller in the message ("corpus_bleu").
void check_reference_streams(const char* who, size_t hyps, const std::vector<std::vector<std::string>>& refs);

// refs[k][i] is the k-th reference of hypothesis i. Throws UsageError if sizes differ.
BleuResult corpus_bleu(const std::vector<std::string>& hyps,
                       const std::vector<std::vector<std::string>>& refs, const BleuOptions& opt = {});

}  // namespace nmt
