// Corpus chrF following sacreBLEU 2.x (metrics/chrf.py) with word order 0: character
// n-grams of the whitespace-free line, per-segment [hyp, ref, match] counts for each order
// (taken from the reference with the best sentence F-score), summed over the corpus, then
// precision and recall averaged over the orders that occur on both sides ("effective
// order", sacreBLEU's default, signature eff:yes) before one F-beta.
#include "nmt/metrics/chrf.h"

#include "nmt/metrics/bleu.h"

#include <unordered_map>

#include "nmt/metrics/bleu_tokenizers.h"
#include "nmt/metrics/unicode.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

using CharNgrams = std::vector<std::unordered_map<std::u32string, int>>;  // one map per order

// lowercase (optional), drop all whitespace (''.join(line.split())), count n-grams 1..order.
CharNgrams char_ngrams(const std::string& sent, int order, bool lowercase) {
  std::u32string s = text::from_utf8(sent);
  if (lowercase) s = text::lower(s);
  std::u32string joined;
  for (const auto& w : text::split(s)) joined += w;
  CharNgrams out(order);
  for (int n = 1; n <= order; ++n)
    for (size_t i = 0; i + n <= joined.size(); ++i) ++out[n - 1][joined.substr(i, n)];
  return out;
}

// sacreBLEU's _compute_f_score with eps_smoothing=False.
double f_score(const std::vector<long long>& st, int order, double beta) {
  const double eps = 1e-16, factor = beta * beta;
  double avg_prec = 0, avg_rec = 0;
  int effective_order = 0;
  for (int i = 0; i < order; ++i) {
    const double n_hyp = st[3 * i], n_ref = st[3 * i + 1], n_match = st[3 * i + 2];
    const double prec = n_hyp > 0 ? n_match / n_hyp : eps;
    const double rec = n_ref > 0 ? n_match / n_ref : eps;
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++effective_order;
    }
  }
  if (effective_order == 0) return 0.0;
  avg_prec /= effective_order;
  avg_rec /= effective_order;
  if (avg_prec + avg_rec == 0) return 0.0;
  return 100.0 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec);
}

// [hyp, ref, match] per order; hyp counts only where the reference has n-grams of that order.
std::vector<long long> match_stats(const CharNgrams& hyp, const CharNgrams& ref) {
  std::vector<long long> st;
  for (size_t n = 0; n < hyp.size(); ++n) {
    long long h = 0, r = 0, m = 0;
    for (const auto& [g, c] : hyp[n]) {
      h += c;
      const auto it = ref[n].find(g);
      if (it != ref[n].end()) m += std::min(c, it->second);
    }
    for (const auto& [g, c] : ref[n]) r += c;
    st.push_back(ref[n].empty() ? 0 : h);
    st.push_back(r);
    st.push_back(m);
  }
  return st;
}

}  // namespace

ChrfResult corpus_chrf(const std::vector<std::string>& hyps,
                       const std::vector<std::vector<std::string>>& refs, int char_order,
                       double beta, bool lowercase) {
  if (char_order < 1) throw UsageError("corpus_chrf: char_order must be >= 1");
  check_reference_streams("corpus_chrf", hyps.size(), refs);

  std::vector<long long> total(3 * char_order, 0);
  for (size_t i = 0; i < hyps.size(); ++i) {
    const CharNgrams h = char_ngrams(hyps[i], char_order, lowercase);
    std::vector<long long> best;
    double best_f = -1.0;
    for (const auto& stream : refs) {
      auto st = match_stats(h, char_ngrams(stream[i], char_order, lowercase));
      const double f = f_score(st, char_order, beta);
      if (f > best_f) {
        best_f = f;
        best = std::move(st);
      }
    }
    for (size_t j = 0; j < total.size(); ++j) total[j] += best[j];
  }

  ChrfResult r;
  r.score = f_score(total, char_order, beta);
  r.signature = "nrefs:" + std::to_string(refs.size()) + "|case:" + (lowercase ? "lc" : "mixed") +
                "|eff:yes|nc:" + std::to_string(char_order) + "|nw:0|space:no|version:" +
                kSacrebleuVersion;
  return r;
}

}  // namespace nmt
