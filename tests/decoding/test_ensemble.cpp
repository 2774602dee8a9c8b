// Ensembles through the model contract: one member equals the model, a model with itself gives
// the same outputs, the member order and the batch change nothing, and the scores are the
// weighted mean of the members' log-probabilities.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "mock_model.h"
#include "models/model_fixtures.h"
#include "nmt/decoding/search.h"
#include "nmt/models/ensemble.h"
#include "nmt/models/factory.h"
#include "nmt/util/error.h"

using nmt::EnsembleImpl;
using nmt::Hypothesis;
using nmt::Seq2Seq;
using nmt::SearchOptions;

namespace {

const std::vector<std::vector<int64_t>> kSents{
    {4, 5, 6}, {7, 8, 9, 10, 11, 12, 13, 4, 5}, {6}, {11, 10, 9, 8, 7}, {15, 16, 17, 18, 19, 20, 21, 22, 23, 24}};

Seq2Seq tiny(const nmt::ModelConfig& cfg, uint64_t seed, int64_t tgt_vocab = 30) {
  torch::manual_seed(seed);
  Seq2Seq m = nmt::make_model(cfg, 30, tgt_vocab);
  m->eval();
  return m;
}

Seq2Seq ensemble(std::vector<Seq2Seq> members, std::vector<double> weights = {}) {
  Seq2Seq e = std::make_shared<EnsembleImpl>(std::move(members), std::move(weights));
  e->eval();
  return e;
}

SearchOptions opts(int64_t beam, bool attention = false) {
  SearchOptions so;
  so.beam_size = beam;
  so.nbest = beam;
  so.max_len_ratio = 1.0;
  so.max_len_const = 6;
  so.want_attention = attention;
  return so;
}

std::vector<std::vector<Hypothesis>> decode(nmt::Seq2SeqImpl& m, const std::vector<std::vector<int64_t>>& sents,
                                            const SearchOptions& so) {
  auto [src, mask] = nmt_test::make_batch(sents);
  return nmt::search(m, src, mask, so);
}

// Same tokens everywhere; scores equal within `tol` (0 = bit for bit).
void check_same(const std::vector<std::vector<Hypothesis>>& a, const std::vector<std::vector<Hypothesis>>& b,
                double tol) {
  REQUIRE(a.size() == b.size());
  for (size_t s = 0; s < a.size(); ++s) {
    REQUIRE(a[s].size() == b[s].size());
    for (size_t k = 0; k < a[s].size(); ++k) {
      INFO("sentence " << s << " hypothesis " << k);
      CHECK(a[s][k].tokens == b[s][k].tokens);
      if (tol == 0) CHECK(a[s][k].score == b[s][k].score);
      else CHECK(a[s][k].score == Approx(b[s][k].score).margin(tol));
    }
  }
}

}  // namespace

TEST_CASE("ensemble: one model equals that model, bit for bit", "[decoding][ensemble]") {
  for (const auto& nc : nmt::test::all_tiny_models()) {
    for (int64_t beam : {int64_t{1}, int64_t{4}}) {
      DYNAMIC_SECTION(nc.name << " beam " << beam) {
        Seq2Seq model = tiny(nc.cfg, 11);
        Seq2Seq one = ensemble({model});
        const auto so = opts(beam, /*attention=*/true);
        const auto a = decode(*model, kSents, so), b = decode(*one, kSents, so);
        check_same(a, b, 0);
        for (size_t s = 0; s < a.size(); ++s) {
          REQUIRE(a[s][0].attention.defined() == b[s][0].attention.defined());
          if (a[s][0].attention.defined()) CHECK(torch::equal(a[s][0].attention, b[s][0].attention));
        }
        CHECK(one->attention_views().layers == model->attention_views().layers);
        CHECK(one->max_target_positions() == model->max_target_positions());
      }
    }
  }
}

TEST_CASE("ensemble: a model with itself gives the model's outputs", "[decoding][ensemble]") {
  for (const auto& nc : nmt::test::all_tiny_models()) {
    DYNAMIC_SECTION(nc.name) {
      Seq2Seq model = tiny(nc.cfg, 12);
      Seq2Seq twice = ensemble({model, model}, {0.5, 0.5});
      for (int64_t beam : {int64_t{1}, int64_t{4}})
        check_same(decode(*model, kSents, opts(beam)), decode(*twice, kSents, opts(beam)), 1e-4);
    }
  }
}

TEST_CASE("ensemble: mixed architectures, member order and batch do not change the output",
          "[decoding][ensemble][batch]") {
  Seq2Seq t = tiny(nmt::test::tiny_transformer(), 1), b = tiny(nmt::test::tiny_bahdanau(), 2),
          r = tiny(nmt::test::tiny_rnn(), 3);
  Seq2Seq tbr = ensemble({t, b, r}, {0.5, 0.3, 0.2}), rtb = ensemble({r, t, b}, {0.2, 0.5, 0.3}),
          brt = ensemble({b, r, t}, {0.3, 0.2, 0.5});
  CHECK(tbr->arch() == "ensemble");
  CHECK_THAT(tbr->title(), Catch::Matchers::Contains("Transformer") && Catch::Matchers::Contains("Bahdanau"));
  for (int64_t beam : {int64_t{1}, int64_t{4}}) {
    const auto ref = decode(*tbr, kSents, opts(beam, true));
    check_same(ref, decode(*rtb, kSents, opts(beam, true)), 0);
    check_same(ref, decode(*brt, kSents, opts(beam, true)), 0);
    for (size_t i = 0; i < kSents.size(); ++i) {
      INFO("sentence " << i << " alone, beam " << beam);
      const auto alone = decode(*tbr, {kSents[i]}, opts(beam, true));
      CHECK(alone[0][0].tokens == ref[i][0].tokens);
      CHECK(alone[0][0].score == Approx(ref[i][0].score).margin(1e-4));
      REQUIRE(alone[0][0].attention.defined());
      CHECK(torch::allclose(alone[0][0].attention, ref[i][0].attention, 1e-4, 1e-5));
    }
    // The ensemble is its own model: it does not just repeat one member.
    bool differs = false;
    for (const Seq2Seq& m : {t, b, r}) {
      const auto only = decode(*m, kSents, opts(beam));
      for (size_t i = 0; i < kSents.size(); ++i) differs = differs || only[i][0].tokens != ref[i][0].tokens;
    }
    CHECK(differs);
  }
}

TEST_CASE("ensemble: step scores are the weighted mean of the members' log-probabilities and forward agrees",
          "[decoding][ensemble]") {
  torch::NoGradGuard no_grad;
  Seq2Seq t = tiny(nmt::test::tiny_transformer(), 4), b = tiny(nmt::test::tiny_bahdanau(), 5);
  auto ens = std::make_shared<EnsembleImpl>(std::vector<Seq2Seq>{t, b}, std::vector<double>{3, 1});
  ens->eval();
  REQUIRE(ens->weights().size() == 2);
  CHECK(ens->weights()[0] + ens->weights()[1] == Approx(1.0));
  const double wt = ens->members()[0].get() == t.get() ? ens->weights()[0] : ens->weights()[1];
  CHECK(wt == Approx(0.75));
  auto [src, mask] = nmt_test::make_batch(kSents);
  auto state = ens->start(ens->encode(src, mask));
  // Every member's entries carry its prefix, the shared ones (the Transformer's caches) too.
  CHECK_FALSE(state.shared.empty());
  for (const auto* m : {&state.per_hyp, &state.per_src, &state.shared})
    for (const auto& [key, tensor] : *m) CHECK((key.rfind("m0/", 0) == 0 || key.rfind("m1/", 0) == 0));
  auto st = t->start(t->encode(src, mask)), sb = b->start(b->encode(src, mask));
  state.expand(2);
  st.expand(2);
  sb.expand(2);
  torch::Tensor prev = torch::full({10}, nmt::kBosId, torch::kLong);
  for (int step = 0; step < 3; ++step) {
    const torch::Tensor got = ens->step(prev, state).logits;  // [10, V]
    const torch::Tensor want = 0.75 * torch::log_softmax(t->step(prev, st).logits, -1) +
                               0.25 * torch::log_softmax(b->step(prev, sb).logits, -1);
    CHECK((got - want).abs().max().item<double>() < 1e-5);
    // Reorder across beams like beam search does, on the ensemble and on the members.
    const torch::Tensor idx = torch::tensor({1, 0, 2, 2, 5, 4, 7, 6, 9, 8}, torch::kLong);
    state.reorder(idx);
    st.reorder(idx);
    sb.reorder(idx);
    prev = got.argmax(-1).index_select(0, idx);
  }
  CHECK(state.step == 3);
  // keep() drops the same rows from every member.
  state.keep(torch::tensor({0, 3, 4}, torch::kLong));
  CHECK(state.size() == 3);
  CHECK(ens->step(torch::full({3}, 5, torch::kLong), state).logits.size(0) == 3);

  // Teacher forcing gives what step() gives, position by position.
  const int bos = static_cast<int>(nmt::kBosId);
  const torch::Tensor tgt_in = torch::tensor({{bos, 7, 8, 9}, {bos, 10, 11, 12}}, torch::kLong);  // [2, 4]
  auto [src2, mask2] = nmt_test::make_batch({kSents[0], kSents[3]});
  const torch::Tensor full = ens->forward(src2, mask2, tgt_in);  // [2, 4, V]
  auto s2 = ens->start(ens->encode(src2, mask2));
  for (int64_t pos = 0; pos < 4; ++pos) {
    const torch::Tensor lg = ens->step(tgt_in.select(1, pos), s2).logits;
    CHECK((lg - full.select(1, pos)).abs().max().item<double>() < 1e-4);
  }
  // explain's trace: the attention member's trace with the ensemble's scores.
  const nmt::ModelTrace tr = ens->trace(src2.narrow(0, 0, 1), mask2.narrow(0, 0, 1), tgt_in.narrow(0, 0, 1));
  CHECK_FALSE(tr.attention.empty());
  CHECK((tr.logits - full[0]).abs().max().item<double>() < 1e-4);
}

TEST_CASE("ensemble: members must share the target vocabulary, and weights are checked", "[decoding][ensemble]") {
  Seq2Seq a = tiny(nmt::test::tiny_rnn(), 1);
  Seq2Seq other = tiny(nmt::test::tiny_bahdanau(), 2, 31);
  CHECK_THROWS_WITH(EnsembleImpl({a, other}), Catch::Matchers::Contains("must share the target vocabulary") &&
                                                  Catch::Matchers::Contains("31"));
  CHECK_THROWS_AS(EnsembleImpl({a, a}, {1.0}), nmt::UsageError);
  CHECK_THROWS_AS(EnsembleImpl({a, a}, {1.0, -1.0}), nmt::UsageError);
  CHECK_THROWS_AS(EnsembleImpl({a, a}, {1.0, std::nan("")}), nmt::UsageError);
  CHECK_THROWS_AS(EnsembleImpl({}), nmt::UsageError);
  // No member with attention: none to show, and only the default view is accepted.
  Seq2Seq rr = ensemble({a, tiny(nmt::test::tiny_rnn(), 3)});
  CHECK(rr->attention_views().layers == 0);
  CHECK_NOTHROW(rr->set_attention_view(-1, -1));
  CHECK_THROWS_AS(rr->set_attention_view(2, 0), nmt::UsageError);
}
