// Fuzz target: the sacreBLEU tokenizers (13a, intl, char, none), the Unicode helpers under
// them, and the BLEU and chrF scorers.
//
// Input: byte 0 picks the options (tokenizer, smoothing, lowercase, references); the rest is
// text whose lines alternate between hypothesis and reference(s).
// Contract:
//  - the UTF-8 codec round-trips any bytes (invalid ones as surrogate escapes);
//  - tokenizers never crash, and 13a and intl return no leading, trailing or double spaces
//    (they end with ' '.join(line.split()));
//  - BLEU and chrF are finite, within [0, 100], and a hypothesis set scored against itself
//    gets chrF 100 when it has any non-space character.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "nmt/metrics/bleu.h"
#include "nmt/metrics/bleu_tokenizers.h"
#include "nmt/metrics/chrf.h"
#include "nmt/metrics/unicode.h"

namespace {

using nmt_fuzz::fuzz_check;

std::vector<std::string> split_at_newlines(std::string_view t) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= t.size()) {
    size_t nl = t.find('\n', start);
    if (nl == std::string_view::npos) nl = t.size();
    out.emplace_back(t.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

void check_tokenized(const std::string& tok, const std::string& name, const std::string& line) {
  if (name == "13a" || name == "intl") {
    fuzz_check(tok.find("  ") == std::string::npos, "tokenizer output has a double space", name + ": " + line);
    fuzz_check(tok.empty() || (tok.front() != ' ' && tok.back() != ' '), "tokenizer output is not stripped", name);
  }
}

bool in_range(double x) { return std::isfinite(x) && x >= 0.0 && x <= 100.0 + 1e-9; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t opts = data[0];
  const std::string_view text = nmt_fuzz::as_text(data + 1, size - 1);
  static const char* const kTok[] = {"13a", "intl", "char", "none"};
  static const char* const kSmooth[] = {"exp", "floor", "add-k", "none"};

  fuzz_check(nmt::text::to_utf8(nmt::text::from_utf8(text)) == text, "from_utf8/to_utf8 do not round-trip");
  const std::string lowered = nmt::text::lower_utf8(text);
  (void)lowered;

  const auto lines = split_at_newlines(text);
  for (const auto& l : lines)
    for (const char* t : kTok) check_tokenized(nmt::bleu_tokenize(l, t), t, l);

  const size_t nrefs = 1 + (opts >> 6) % 2;
  std::vector<std::string> hyps;
  std::vector<std::vector<std::string>> refs(nrefs);
  for (size_t i = 0; i + nrefs < lines.size() + 1; i += nrefs + 1) {
    hyps.push_back(lines[i]);
    for (size_t k = 0; k < nrefs; ++k) refs[k].push_back(i + 1 + k < lines.size() ? lines[i + 1 + k] : "");
  }
  nmt::BleuOptions bo;
  bo.tokenize = kTok[opts & 3];
  bo.smooth = kSmooth[(opts >> 2) & 3];
  bo.lowercase = (opts >> 4) & 1;
  nmt::BleuResult b;
  nmt_fuzz::expect_nmt_errors_only([&] { b = nmt::corpus_bleu(hyps, refs, bo); });
  fuzz_check(in_range(b.score), "BLEU outside [0, 100]", std::to_string(b.score));
  for (double p : b.precisions) fuzz_check(in_range(p), "a BLEU precision outside [0, 100]", std::to_string(p));
  fuzz_check(std::isfinite(b.bp) && b.bp >= 0 && b.bp <= 1, "brevity penalty outside [0, 1]");

  nmt::ChrfResult c;
  const bool lc = (opts >> 5) & 1;
  nmt_fuzz::expect_nmt_errors_only([&] { c = nmt::corpus_chrf(hyps, refs, 6, 2.0, lc); });
  fuzz_check(in_range(c.score), "chrF outside [0, 100]", std::to_string(c.score));

  bool any_char = false;
  for (const auto& h : hyps)
    for (char32_t ch : nmt::text::from_utf8(h)) any_char = any_char || !nmt::text::is_space(ch);
  if (any_char) {
    const nmt::ChrfResult self = nmt::corpus_chrf(hyps, {hyps}, 6, 2.0, lc);
    fuzz_check(std::fabs(self.score - 100.0) < 1e-6, "chrF of a text against itself is not 100",
               std::to_string(self.score));
  }
  return 0;
}
