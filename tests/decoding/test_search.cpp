// Greedy and beam search through the model contract, with the deterministic mock model.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "mock_model.h"
#include "nmt/decoding/search.h"
#include "nmt/decoding/search_detail.h"
#include "nmt/util/error.h"

using nmt::Hypothesis;
using nmt::SearchOptions;
using nmt_test::make_batch;
using nmt_test::MockModel;

namespace {

const std::vector<std::vector<int64_t>> kSents{
    {4, 5, 6}, {7, 8, 9, 10, 11, 4, 5}, {6}, {11, 10, 9, 8, 7}, {5, 5, 9, 4}};

SearchOptions opts(int64_t beam, int64_t nbest = 1, bool attention = false) {
  SearchOptions o;
  o.beam_size = beam;
  o.nbest = nbest;
  o.want_attention = attention;
  return o;
}

std::vector<std::vector<Hypothesis>> run(MockModel& m, const std::vector<std::vector<int64_t>>& sents,
                                         const SearchOptions& o) {
  auto [src, mask] = make_batch(sents);
  return nmt::search(m, src, mask, o);
}

void check_same(const std::vector<Hypothesis>& a, const std::vector<Hypothesis>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    CHECK(a[k].tokens == b[k].tokens);
    CHECK(a[k].score == b[k].score);  // exactly: rows never mix
    if (a[k].attention.defined() || b[k].attention.defined()) {
      REQUIRE(a[k].attention.defined());
      REQUIRE(b[k].attention.defined());
      CHECK(torch::equal(a[k].attention, b[k].attention));
    }
  }
}

// log P(tokens + EOS | source) under the mock, by feeding the tokens one at a time.
double teacher_forced_logprob(MockModel& m, const std::vector<int64_t>& sent, const std::vector<int64_t>& toks) {
  torch::NoGradGuard g;
  auto [src, mask] = make_batch({sent});
  auto st = m.start(m.encode(src, mask));
  double total = 0;
  int64_t prev = nmt::kBosId;
  std::vector<int64_t> seq = toks;
  seq.push_back(nmt::kEosId);
  for (int64_t tok : seq) {
    auto out = m.step(torch::tensor({prev}, torch::kLong), st, false);
    total += torch::log_softmax(out.logits.to(torch::kFloat), 1)[0][tok].item<float>();
    prev = tok;
  }
  return total;
}

}  // namespace

TEST_CASE("search: beam search with beam 1 equals greedy exactly", "[decoding][search]") {
  // Without a length penalty: with one, beam search also weighs a live hypothesis against a
  // finished one of another length (see the next test), which greedy search never does.
  MockModel m;
  for (bool att : {false, true}) {
    auto o = opts(1, 1, att);
    o.length_penalty = 0;
    auto greedy = run(m, kSents, o);
    torch::NoGradGuard g;
    auto [src, mask] = make_batch(kSents);
    auto in = nmt::detail::prepare(m, src, mask, o);
    auto beam1 = nmt::detail::beam_search(m, in, o);
    REQUIRE(greedy.size() == kSents.size());
    REQUIRE(beam1.size() == kSents.size());
    for (size_t b = 0; b < kSents.size(); ++b) check_same(greedy[b], beam1[b]);
  }
  // Not a degenerate case: outputs differ between sentences and are non-empty.
  auto g = run(m, kSents, opts(1));
  CHECK(g[0][0].tokens != g[1][0].tokens);
  CHECK_FALSE(g[1][0].tokens.empty());
}

namespace {

// Short outputs end first, a long one is best once lengths are normalised: after BOS, EOS is
// likeliest (an empty output); "7 EOS" ends next; "5 5 5 5 5 EOS" costs little per token.
class ShortFirstModel : public MockModel {
 public:
  nmt::StepOut step(const torch::Tensor& prev, nmt::DecoderState& st, bool) override {
    const int64_t n = prev.size(0), t = st.step++;
    torch::Tensor logits = torch::full({n, 12}, -30.0f);  // [N, V]
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = prev[i].item<int64_t>();
      auto row = logits[i];
      if (p == nmt::kBosId) {
        row[nmt::kEosId] = -0.7f, row[5] = -0.8f, row[7] = -1.5f;
      } else if (p == 7) {
        row[nmt::kEosId] = 0.0f;
      } else {  // after a 5: more 5s until the fifth, then EOS
        row[5] = t < 5 ? 0.0f : -5.0f;
        row[nmt::kEosId] = t < 5 ? -5.0f : 0.0f;
      }
    }
    return {logits, {}};
  }
};

}  // namespace

TEST_CASE("search: beam search runs until no live hypothesis can beat the finished ones",
          "[decoding][search]") {
  ShortFirstModel m;
  // Two hypotheses finish within two steps (the empty one and "7"); stopping there, as soon as
  // beam hypotheses have finished, would return the empty output whatever the length penalty.
  auto o = opts(2);
  o.length_penalty = 1.0;
  auto res = run(m, {{4, 5, 6}}, o);
  REQUIRE(res[0].size() == 1);
  CHECK(res[0][0].tokens == std::vector<int64_t>{5, 5, 5, 5, 5});
  // Without a length penalty the empty output has the highest log-probability.
  o.length_penalty = 0;
  res = run(m, {{4, 5, 6}}, o);
  CHECK(res[0][0].tokens.empty());
}

TEST_CASE("search: a sentence decodes the same alone and inside a padded batch", "[decoding][search]") {
  MockModel m;
  for (int64_t beam : {1, 4}) {
    auto batch = run(m, kSents, opts(beam, beam, true));
    for (size_t b = 0; b < kSents.size(); ++b) {
      auto alone = run(m, {kSents[b]}, opts(beam, beam, true));
      check_same(alone[0], batch[b]);
    }
    // ... and in a different order and batch composition.
    auto other = run(m, {kSents[3], kSents[1]}, opts(beam, beam, true));
    check_same(other[0], batch[3]);
    check_same(other[1], batch[1]);
  }
}

TEST_CASE("search: n-best sorted, scores are length-penalised log-probabilities", "[decoding][search]") {
  MockModel m;
  for (double alpha : {0.0, 0.6, 1.0}) {
    auto o = opts(4, 4);
    o.length_penalty = alpha;
    auto res = run(m, kSents, o);
    for (size_t b = 0; b < kSents.size(); ++b) {
      REQUIRE(res[b].size() == 4);
      for (size_t k = 0; k < res[b].size(); ++k) {
        const auto& h = res[b][k];
        if (k > 0) CHECK(res[b][k - 1].score >= h.score);
        if (k > 0) CHECK(res[b][k - 1].tokens != h.tokens);
        // lp = ((5 + len) / 6)^alpha with len = tokens + EOS
        const double lp = std::pow((5.0 + static_cast<double>(h.tokens.size() + 1)) / 6.0, alpha);
        CHECK(h.score == Approx(teacher_forced_logprob(m, kSents[b], h.tokens) / lp).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("search: maximum length = ratio * source length + const", "[decoding][search]") {
  MockModel never_eos(12, 0.0, /*suppress_eos=*/true);  // EOS only when forced
  for (int64_t beam : {1, 3}) {
    auto o = opts(beam, beam, true);
    o.max_len_ratio = 0.5;
    o.max_len_const = 2;
    auto res = run(never_eos, kSents, o);
    for (size_t b = 0; b < kSents.size(); ++b) {
      const auto real = static_cast<double>(kSents[b].size() + 1);  // tokens + EOS
      const auto max_len = static_cast<size_t>(0.5 * real) + 2;     // incl. the forced EOS
      REQUIRE_FALSE(res[b].empty());
      for (const auto& h : res[b]) {
        CHECK(h.tokens.size() + 1 == max_len);
        CHECK(h.attention.size(0) == static_cast<int64_t>(max_len));
      }
    }
  }
  // A normal model stops by itself well below a generous limit.
  MockModel m;
  auto res = run(m, kSents, opts(1));
  for (size_t b = 0; b < kSents.size(); ++b)
    CHECK(res[b][0].tokens.size() + 1 < static_cast<size_t>(1.5 * (kSents[b].size() + 1)) + 10);
}

TEST_CASE("search: finished sentences leave the batch", "[decoding][search]") {
  const auto batch = static_cast<int64_t>(kSents.size());
  for (int64_t beam : {1, 3}) {
    MockModel m;
    run(m, kSents, opts(beam));
    const auto& rows = m.rows_seen;
    REQUIRE(rows.size() > 2);
    CHECK(rows.front() == batch);
    for (size_t t = 1; t < rows.size(); ++t) {
      CHECK(rows[t] <= (t == 1 ? batch * beam : rows[t - 1]));
      CHECK(rows[t] % beam == 0);
    }
    CHECK(rows.back() < batch * beam);  // the longest sentence ran alone at the end
  }
}

TEST_CASE("search: attention per hypothesis is [T, S_real]", "[decoding][search]") {
  MockModel m;
  for (int64_t beam : {1, 3}) {
    auto res = run(m, kSents, opts(beam, beam, true));
    for (size_t b = 0; b < kSents.size(); ++b) {
      for (const auto& h : res[b]) {
        REQUIRE(h.attention.defined());
        CHECK(h.attention.dim() == 2);
        CHECK(h.attention.size(0) == static_cast<int64_t>(h.tokens.size()) + 1);
        CHECK(h.attention.size(1) == static_cast<int64_t>(kSents[b].size()) + 1);
        CHECK(torch::allclose(h.attention.sum(1), torch::ones({h.attention.size(0)})));
      }
    }
  }
  auto none = run(m, kSents, opts(3));
  CHECK_FALSE(none[0][0].attention.defined());
}

TEST_CASE("search: option checks and eval mode", "[decoding][search]") {
  MockModel m;
  CHECK_THROWS_AS(run(m, kSents, opts(2, 3)), nmt::UsageError);
  CHECK_THROWS_AS(run(m, kSents, opts(0)), nmt::UsageError);
  m.train();
  m.training_seen.clear();
  run(m, kSents, opts(2));
  REQUIRE_FALSE(m.training_seen.empty());
  for (bool training : m.training_seen) CHECK_FALSE(training);  // every step ran in eval mode
  CHECK(m.is_training());  // restored after the search
  auto [src, mask] = make_batch(kSents);
  CHECK(nmt::search(m, src.slice(0, 0, 0), mask.slice(0, 0, 0), opts(2)).empty());
}

TEST_CASE("search: outputs never exceed the model's target positions", "[decoding][search]") {
  MockModel m(12, 1.5, /*suppress_eos=*/true);
  m.max_target_positions_ = 4;  // inputs at positions 0..3: at most 4 outputs, EOS included
  for (int64_t beam : {1, 3}) {
    auto res = run(m, kSents, opts(beam));
    for (const auto& nb : res) {
      REQUIRE_FALSE(nb.empty());
      CHECK(nb[0].tokens.size() + 1 <= 4);
    }
  }
}
