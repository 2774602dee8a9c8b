// Corpus chrF against hand-computed values and published sacreBLEU outputs.
#include <catch2/catch.hpp>

#include "nmt/metrics/chrf.h"
#include "nmt/util/error.h"

using nmt::corpus_chrf;

TEST_CASE("chrf: hand-computed cases", "[metrics][chrf]") {
  // Identical: orders 1..2 match fully, orders 3..6 absent on both sides (not effective) → 100.
  CHECK(corpus_chrf({"ab"}, {{"ab"}}).score == Approx(100.0));
  // hyp abc | ref abd: order 1: 2/3 (p = r); order 2: ab → 1/2; order 3: 0/1.
  // avg p = avg r = (2/3 + 1/2 + 0)/3 = 7/18 → F = 7/18 = 38.888...
  CHECK(corpus_chrf({"abc"}, {{"abd"}}).score == Approx(100.0 * 7 / 18));
  // hyp ab | ref abc: order 1 p = 1, r = 2/3; order 2 p = 1, r = 1/2; order 3 has no hyp
  // n-grams (not effective). avg p = 1, avg r = 7/12: F2 = 5·p·r/(4p + r) = 35/55.
  CHECK(corpus_chrf({"ab"}, {{"abc"}}).score == Approx(100.0 * 35 / 55));
  // Whitespace is removed before counting.
  CHECK(corpus_chrf({"a b"}, {{"ab"}}).score == Approx(100.0));
  // Lowercasing.
  CHECK(corpus_chrf({"ABC"}, {{"abc"}}, 6, 2.0, true).score == Approx(100.0));
  CHECK(corpus_chrf({"ABC"}, {{"abc"}}).score == Approx(0.0));
}

TEST_CASE("chrf: corpus statistics are summed before the F-score", "[metrics][chrf]") {
  // Sentences ab|ab, cd|ce, abcd|abcd, per order [hyp, ref, match]:
  //   order 1: 2,2,2 + 2,2,1 + 4,4,4 = 8,8,7 → 7/8   order 2: 1,1,1 + 1,1,0 + 3,3,3 = 5,5,4 → 4/5
  //   order 3: 2,2,2 → 1                             order 4: 1,1,1 → 1
  // p = r per order, so F = mean over the 4 effective orders = (7/8 + 4/5 + 1 + 1)/4 = 0.91875;
  // the mean of sentence scores would differ: (100 + 25 + 100)/3 = 75.
  double avg = (7.0 / 8 + 4.0 / 5 + 1 + 1) / 4;
  CHECK(corpus_chrf({"ab", "cd", "abcd"}, {{"ab", "ce", "abcd"}}).score == Approx(100 * avg));
}

TEST_CASE("chrf: degenerate inputs and multiple references", "[metrics][chrf]") {
  CHECK(corpus_chrf({""}, {{"abc"}}).score == 0.0);
  CHECK(corpus_chrf({"xyz"}, {{"abc"}}).score == 0.0);
  CHECK(corpus_chrf({}, {{}}).score == 0.0);
  // The reference with the best sentence F-score is used.
  auto r = corpus_chrf({"abc"}, {{"xyz"}, {"abc"}});
  CHECK(r.score == Approx(100.0));
  CHECK(r.signature == "nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.4.0");
  CHECK_THROWS_AS(corpus_chrf({"a"}, {{"a", "b"}}), nmt::UsageError);
}

TEST_CASE("chrf: published sacreBLEU outputs", "[metrics][chrf]") {
  // sacreBLEU README example: chrF2 = 59.73.
  std::vector<std::string> hyps{"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."};
  std::vector<std::vector<std::string>> refs{
      {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
      {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."}};
  CHECK(corpus_chrf(hyps, refs).score == Approx(59.73).margin(0.005));
  // Hugging Face's chrF metric card (sacreBLEU underneath): 61.576379378113785 and 84.64214891738334.
  CHECK(corpus_chrf({"The relationship between Obama and Netanyahu is not exactly friendly."},
                    {{"The ties between Obama and Netanyahu are not particularly friendly."}})
            .score == Approx(61.576379378113785).margin(1e-9));
  CHECK(corpus_chrf({"The relationship between cats and dogs is not exactly friendly.",
                     "a good bookshop is just a genteel black hole that knows how to read."},
                    {{"The relationship between dogs and cats is not exactly friendly.",
                      "A good bookshop is just a genteel Black Hole that knows how to read."}})
            .score == Approx(84.64214891738334).margin(1e-9));
}
