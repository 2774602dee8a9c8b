// Corpus BLEU against hand-computed values and sacreBLEU's documented example.
#include <catch2/catch.hpp>

#include "nmt/metrics/bleu.h"
#include "nmt/util/error.h"

using nmt::BleuOptions;
using nmt::corpus_bleu;

namespace {
BleuOptions smooth(const std::string& m) {
  BleuOptions o;
  o.smooth = m;
  return o;
}
}  // namespace

TEST_CASE("bleu: hand-computed single sentence", "[metrics][bleu]") {
  // hyp: the cat sat on the mat | ref: the cat sat on a mat
  // 1-grams: the(2, ref 1) cat sat on mat → 5/6; 2-grams: the-cat cat-sat sat-on → 3/5
  // 3-grams: the-cat-sat cat-sat-on → 2/4; 4-grams: the-cat-sat-on → 1/3
  // BLEU = (5/6 · 3/5 · 1/2 · 1/3)^(1/4) = (1/12)^(1/4) = 0.537285
  auto r = corpus_bleu({"the cat sat on the mat"}, {{"the cat sat on a mat"}});
  CHECK(r.score == Approx(53.7285).margin(1e-3));
  CHECK(r.format() == "BLEU = 53.73 83.3/60.0/50.0/33.3 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)");
  CHECK(r.signature == "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.0");
}

TEST_CASE("bleu: smoothing methods", "[metrics][bleu]") {
  // hyp a b c d | ref a b x d: 1-grams 3/4, 2-grams 1/3 (a-b), 3-grams 0/2, 4-grams 0/1.
  const std::vector<std::string> hyp{"a b c d"};
  const std::vector<std::vector<std::string>> ref{{"a b x d"}};
  // exp: 3-grams 100/(2·2) = 25%, 4-grams 100/(4·1) = 25%
  //      (0.75 · 1/3 · 0.25 · 0.25)^(1/4) = 0.015625^(1/4) = 0.353553
  auto e = corpus_bleu(hyp, ref, smooth("exp"));
  CHECK(e.score == Approx(35.3553).margin(1e-3));
  CHECK(e.format().rfind("BLEU = 35.36 75.0/33.3/25.0/25.0 ", 0) == 0);
  // floor (0.1): 3-grams 0.1/2 = 5%, 4-grams 0.1/1 = 10%: (0.75 · 1/3 · 0.05 · 0.1)^(1/4) = 0.188030
  auto f = corpus_bleu(hyp, ref, smooth("floor"));
  CHECK(f.score == Approx(18.8030).margin(1e-3));
  CHECK(f.signature.find("smooth:floor-0.1") != std::string::npos);
  // add-k (1) for n > 1: 2/4, 1/3, 1/2: (0.75 · 0.5 · 1/3 · 0.5)^(1/4) = 0.0625^(1/4) = 0.5
  auto k = corpus_bleu(hyp, ref, smooth("add-k"));
  CHECK(k.score == Approx(50.0).margin(1e-6));
  CHECK(k.signature.find("smooth:add-k-1") != std::string::npos);
  // none: a zero precision gives log(0) → -9999999999 → BLEU 0
  auto n = corpus_bleu(hyp, ref, smooth("none"));
  CHECK(n.score == Approx(0.0).margin(1e-9));
  CHECK(n.format().rfind("BLEU = 0.00 75.0/33.3/0.0/0.0 ", 0) == 0);
  CHECK_THROWS_AS(corpus_bleu(hyp, ref, smooth("bogus")), nmt::UsageError);
}

TEST_CASE("bleu: brevity penalty and hypothesis longer than reference", "[metrics][bleu]") {
  // hyp 4 tokens, ref 6: BP = exp(1 - 6/4) = exp(-0.5) = 0.606531; all precisions 100.
  auto r = corpus_bleu({"a b c d"}, {{"a b c d e f"}});
  CHECK(r.bp == Approx(0.606531).margin(1e-6));
  CHECK(r.format() == "BLEU = 60.65 100.0/100.0/100.0/100.0 (BP = 0.607 ratio = 0.667 hyp_len = 4 ref_len = 6)");
  // hyp longer: no penalty, precisions 4/6, 3/5, 2/4, 1/3: (4/6·3/5·1/2·1/3)^(1/4) = (1/15)^(1/4)
  auto l = corpus_bleu({"a b c d e f"}, {{"a b c d"}});
  CHECK(l.bp == 1.0);
  CHECK(l.score == Approx(100 * std::pow(1.0 / 15, 0.25)).margin(1e-6));
  CHECK(l.format().find("(BP = 1.000 ratio = 1.500 hyp_len = 6 ref_len = 4)") != std::string::npos);
}

TEST_CASE("bleu: multiple references, closest length with ties to the shorter", "[metrics][bleu]") {
  // hyp 4 tokens; refs of 3 and 5 tokens are equally close → ref_len 3 (BP 1).
  // Every hyp n-gram occurs in ref 2 (clipped counts are maxima over refs) → 100.
  auto r = corpus_bleu({"a b c d"}, {{"a b c"}, {"a b c d e"}});
  CHECK(r.ref_len == 3);
  CHECK(r.score == Approx(100.0));
  CHECK(r.signature.rfind("nrefs:2|", 0) == 0);
  CHECK_THROWS_AS(corpus_bleu({"a", "b"}, {{"a"}}), nmt::UsageError);
}

TEST_CASE("bleu: sacreBLEU README example (two reference streams)", "[metrics][bleu]") {
  // sacreBLEU's documented output: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)
  std::vector<std::string> hyps{"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."};
  std::vector<std::vector<std::string>> refs{
      {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
      {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."}};
  auto r = corpus_bleu(hyps, refs);
  CHECK(r.format() == "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)");
}

TEST_CASE("bleu: degenerate inputs", "[metrics][bleu]") {
  // Empty hypothesis: hyp_len 0 → BP 0, no matches → 0.
  auto e = corpus_bleu({""}, {{"a b"}});
  CHECK(e.format() == "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 0.000 ratio = 0.000 hyp_len = 0 ref_len = 2)");
  // No n-gram matches at all: early stop, precisions reported as 0.
  auto z = corpus_bleu({"x y z"}, {{"a b c"}});
  CHECK(z.format() == "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 1.000 hyp_len = 3 ref_len = 3)");
  // Empty corpus: all statistics 0 → 0 (sacreBLEU itself rejects an empty list).
  auto c = corpus_bleu({}, {{}});
  CHECK(c.format() == "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 0.000 hyp_len = 0 ref_len = 0)");
  // A short sentence with matches but no 4-grams: total[3] = 0 stops the loop, 4-gram
  // precision stays 0 → log 0 → 0 (no effective order in sacreBLEU's default).
  auto s = corpus_bleu({"a b"}, {{"a b"}});
  CHECK(s.score == Approx(0.0).margin(1e-9));
  CHECK(s.format().rfind("BLEU = 0.00 100.0/100.0/0.0/0.0 ", 0) == 0);
}

TEST_CASE("bleu: lowercase and tokenizer options", "[metrics][bleu]") {
  BleuOptions lc;
  lc.lowercase = true;
  auto r = corpus_bleu({"THE CAT SAT ON THE MAT"}, {{"the cat sat on a mat"}}, lc);
  CHECK(r.score == Approx(53.7285).margin(1e-3));
  CHECK(r.signature == "nrefs:1|case:lc|eff:no|tok:13a|smooth:exp|version:2.4.0");
  // 13a splits "mat." into "mat ." ; none keeps "mat." as one token.
  BleuOptions none;
  none.tokenize = "none";
  CHECK(corpus_bleu({"a b c mat."}, {{"a b c mat ."}}, none).sys_len == 4);
  CHECK(corpus_bleu({"a b c mat."}, {{"a b c mat ."}}).score == Approx(100.0));
  BleuOptions ch;
  ch.tokenize = "char";  // "ab cd" → a b c d (spaces dropped)
  auto c = corpus_bleu({"ab cd"}, {{"abcd"}}, ch);
  CHECK(c.sys_len == 4);
  CHECK(c.score == Approx(100.0));
  CHECK(c.signature.find("tok:char") != std::string::npos);
  BleuOptions bad;
  bad.tokenize = "moses";
  CHECK_THROWS_AS(corpus_bleu({"a"}, {{"a"}}, bad), nmt::UsageError);
}
