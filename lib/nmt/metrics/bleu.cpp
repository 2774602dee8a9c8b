// Corpus BLEU following sacreBLEU 2.x (metrics/bleu.py): per-segment n-gram statistics
// summed over the corpus, closest reference length (ties → shorter), brevity penalty and
// the smoothing methods none | floor (0.1) | add-k (1) | exp.
#include "nmt/metrics/bleu.h"

#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "nmt/metrics/bleu_tokenizers.h"
#include "nmt/metrics/unicode.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

constexpr int kMaxOrder = 4;
using NgramCounts = std::unordered_map<std::string, int>;

// lowercase (optional) → rstrip → tokenize → split, as BLEU._preprocess_segment + split().
std::vector<std::string> preprocess(const std::string& sent, const BleuOptions& opt) {
  std::u32string s = text::from_utf8(sent);
  if (opt.lowercase) s = text::lower(s);
  const std::string tok = bleu_tokenize(text::to_utf8(text::rstrip(s)), opt.tokenize);
  std::vector<std::string> words;
  for (const auto& w : text::split(text::from_utf8(tok))) words.push_back(text::to_utf8(w));
  return words;
}

// All n-grams of orders 1..4, keyed by their words joined with a space (words hold none).
NgramCounts count_ngrams(const std::vector<std::string>& w) {
  NgramCounts c;
  for (int n = 1; n <= kMaxOrder; ++n) {
    for (size_t i = 0; i + n <= w.size(); ++i) {
      std::string key = w[i];
      for (int k = 1; k < n; ++k) key += ' ' + w[i + k];
      ++c[key];
    }
  }
  return c;
}

int order_of(const std::string& key) {
  int n = 1;
  for (char ch : key) n += ch == ' ';
  return n;
}

// sacreBLEU's _get_closest_ref_len: smallest |hyp - ref|, ties broken towards the shorter.
long long closest_ref_len(long long hyp_len, const std::vector<long long>& ref_lens) {
  long long best_diff = -1, best = -1;
  for (long long r : ref_lens) {
    const long long diff = std::llabs(hyp_len - r);
    if (best_diff == -1 || diff < best_diff) {
      best_diff = diff;
      best = r;
    } else if (diff == best_diff && r < best) {
      best = r;
    }
  }
  return best;
}

std::string smooth_signature(const std::string& m) {
  if (m == "floor") return "floor-0.1";
  if (m == "add-k") return "add-k-1";
  return m;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

std::string BleuResult::format() const {
  std::string s = "BLEU = " + fmt("%.2f", score) + " ";
  for (size_t i = 0; i < precisions.size(); ++i) s += (i ? "/" : "") + fmt("%.1f", precisions[i]);
  s += " (BP = " + fmt("%.3f", bp) + " ratio = " + fmt("%.3f", ratio) +
       " hyp_len = " + std::to_string(sys_len) + " ref_len = " + std::to_string(ref_len) + ")";
  return s;
}

void check_reference_streams(const char* who, size_t hyps, const std::vector<std::vector<std::string>>& refs) {
  if (refs.empty()) throw UsageError(std::string(who) + ": no reference streams given");
  for (size_t k = 0; k < refs.size(); ++k)
    if (refs[k].size() != hyps)
      throw UsageError(std::string(who) + ": reference stream " + std::to_string(k + 1) + " has " +
                       std::to_string(refs[k].size()) + " lines but there are " + std::to_string(hyps) +
                       " hypotheses");
}

BleuResult corpus_bleu(const std::vector<std::string>& hyps,
                       const std::vector<std::vector<std::string>>& refs, const BleuOptions& opt) {
  check_bleu_tokenizer(opt.tokenize);
  if (opt.smooth != "exp" && opt.smooth != "floor" && opt.smooth != "add-k" && opt.smooth != "none")
    throw UsageError("unknown BLEU smoothing '" + opt.smooth + "' (valid: exp, floor, add-k, none)");
  check_reference_streams("corpus_bleu", hyps.size(), refs);

  long long sys_len = 0, ref_len = 0;
  double correct[kMaxOrder] = {0}, total[kMaxOrder] = {0};
  for (size_t i = 0; i < hyps.size(); ++i) {
    // Reference n-grams: per n-gram the maximum count over the references.
    NgramCounts ref_max;
    std::vector<long long> ref_lens;
    for (const auto& stream : refs) {
      const auto words = preprocess(stream[i], opt);
      ref_lens.push_back(static_cast<long long>(words.size()));
      for (const auto& [g, c] : count_ngrams(words)) {
        int& m = ref_max[g];
        if (c > m) m = c;
      }
    }
    const auto hyp_words = preprocess(hyps[i], opt);
    const auto hyp_len = static_cast<long long>(hyp_words.size());
    sys_len += hyp_len;
    ref_len += closest_ref_len(hyp_len, ref_lens);
    for (const auto& [g, c] : count_ngrams(hyp_words)) {
      const int n = order_of(g) - 1;
      total[n] += c;
      const auto it = ref_max.find(g);
      if (it != ref_max.end()) correct[n] += std::min(c, it->second);
    }
  }

  BleuResult r;
  r.sys_len = sys_len;
  r.ref_len = ref_len;
  r.ratio = ref_len > 0 ? static_cast<double>(sys_len) / static_cast<double>(ref_len) : 0.0;
  r.bp = sys_len < ref_len ? (sys_len > 0 ? std::exp(1.0 - static_cast<double>(ref_len) / sys_len) : 0.0) : 1.0;
  r.precisions.assign(kMaxOrder, 0.0);
  r.signature = "nrefs:" + std::to_string(refs.size()) + "|case:" + (opt.lowercase ? "lc" : "mixed") +
                "|eff:no|tok:" + opt.tokenize + "|smooth:" + smooth_signature(opt.smooth) +
                "|version:" + kSacrebleuVersion;

  bool any_match = false;
  for (double c : correct) any_match = any_match || c > 0;
  if (!any_match) return r;  // score 0, precisions 0 (sacreBLEU's early stop, #141)

  double smooth_mteval = 1.0;
  for (int n = 0; n < kMaxOrder; ++n) {
    if (opt.smooth == "add-k" && n > 0) {
      correct[n] += 1.0;
      total[n] += 1.0;
    }
    if (total[n] == 0) break;
    if (correct[n] == 0) {
      if (opt.smooth == "exp") {
        smooth_mteval *= 2;
        r.precisions[n] = 100.0 / (smooth_mteval * total[n]);
      } else if (opt.smooth == "floor") {
        r.precisions[n] = 100.0 * 0.1 / total[n];
      }
    } else {
      r.precisions[n] = 100.0 * correct[n] / total[n];
    }
  }
  double log_sum = 0;
  for (double p : r.precisions) log_sum += p == 0 ? -9999999999.0 : std::log(p);
  r.score = r.bp * std::exp(log_sum / kMaxOrder);
  return r;
}

}  // namespace nmt
