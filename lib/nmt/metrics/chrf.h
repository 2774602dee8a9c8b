// Corpus chrF (character n-gram F-score), identical to sacreBLEU's default chrF
// (char order 6, word order 0, beta 2, whitespace removed). No torch dependency.
#pragma once
#include <string>
#include <vector>

namespace nmt {

struct ChrfResult {
  double score = 0;       // 0..100
  std::string signature;  // e.g. nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.x
};

// refs[k][i] is the k-th reference of hypothesis i.
ChrfResult corpus_chrf(const std::vector<std::string>& hyps,
                       const std::vector<std::vector<std::string>>& refs, int char_order = 6,
                       double beta = 2.0, bool lowercase = false);

}  // namespace nmt
