// The Seq2Seq contract, checked for every architecture: shapes, stepwise ≡ forward,
// padding invariance, causality, attention, and the DecoderState operations beam search uses.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "model_fixtures.h"
#include "nmt/models/bahdanau.h"
#include "nmt/models/factory.h"
#include "nmt/models/rnn.h"
#include "nmt/models/transformer.h"
#include "nmt/util/error.h"

using namespace nmt;
using namespace nmt::test;

namespace {

constexpr int64_t kSrcVocab = 20, kTgtVocab = 20;

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

Seq2Seq build(const ModelConfig& cfg, uint64_t seed = 7) {
  torch::manual_seed(seed);
  auto model = make_model(cfg, kSrcVocab, kTgtVocab);
  model->eval();
  return model;
}

// Logits of stepping through tgt_in token by token: [B, T, V]
torch::Tensor stepwise(Seq2SeqImpl& model, const ToyBatch& b) {
  auto state = model.start(model.encode(b.src, b.src_mask));
  std::vector<torch::Tensor> steps;
  for (int64_t t = 0; t < b.tgt_in.size(1); ++t) steps.push_back(model.step(b.tgt_in.select(1, t), state).logits);
  return torch::stack(steps, 1);
}

}  // namespace

TEST_CASE("every model: shapes of encode, start, step and forward", "[models]") {
  torch::NoGradGuard no_grad;
  for (const auto& m : all_tiny_models()) {
    SECTION(m.name) {
      auto model = build(m.cfg);
      CHECK(model->arch() == enum_name(m.cfg.arch));
      CHECK(model->target_vocab() == kTgtVocab);
      CHECK(model->parameter_count() > 0);
      auto b = toy_batch();
      auto logits = model->forward(b.src, b.src_mask, b.tgt_in);
      CHECK(logits.sizes() == std::vector<int64_t>{3, 6, kTgtVocab});
      auto enc = model->encode(b.src, b.src_mask);
      CHECK(enc.memory.size(0) == 3);
      CHECK(enc.memory.size(1) == 7);
      auto state = model->start(enc);
      CHECK(state.size() == 3);
      auto out = model->step(torch::full({3}, kBosId, torch::kLong), state, /*want_attention=*/true);
      CHECK(out.logits.sizes() == std::vector<int64_t>{3, kTgtVocab});
      CHECK(state.step == 1);
      if (m.cfg.arch == Arch::RNN) {
        CHECK_FALSE(out.attention.defined());  // no attention: nothing to show
      } else {
        REQUIRE(out.attention.sizes() == std::vector<int64_t>{3, 7});
        CHECK(max_diff(out.attention.sum(1), torch::ones({3})) < 1e-5);
        // pad positions get exactly zero weight
        CHECK(out.attention.masked_select(b.src_mask.logical_not()).abs().max().item<float>() == 0.0f);
      }
    }
  }
}

TEST_CASE("every model: stepwise decoding equals teacher-forced forward", "[models]") {
  torch::NoGradGuard no_grad;
  for (const auto& m : all_tiny_models()) {
    SECTION(m.name) {
      auto model = build(m.cfg);
      torch::manual_seed(11);
      auto b = toy_batch();
      auto full = model->forward(b.src, b.src_mask, b.tgt_in);
      CHECK(max_diff(stepwise(*model, b), full) < 1e-5);
    }
  }
}

TEST_CASE("every model: stepwise equals forward past the decoder cache's first allocation", "[models]") {
  // 40 target positions: the Transformer's preallocated K/V cache grows several times on the way.
  torch::NoGradGuard no_grad;
  for (const auto& m : all_tiny_models()) {
    SECTION(m.name) {
      auto model = build(m.cfg);
      torch::manual_seed(12);
      auto b = toy_batch();
      b.tgt_in = random_padded({40, 40, 40}, kTgtVocab);
      b.tgt_in.select(1, 0).fill_(kBosId);
      CHECK(max_diff(stepwise(*model, b), model->forward(b.src, b.src_mask, b.tgt_in)) < 1e-5);
    }
  }
}

TEST_CASE("every model: pad tokens and extra padding change nothing", "[models]") {
  torch::NoGradGuard no_grad;
  for (const auto& m : all_tiny_models()) {
    SECTION(m.name) {
      auto model = build(m.cfg);
      torch::manual_seed(12);
      auto b = toy_batch();
      auto reference = model->forward(b.src, b.src_mask, b.tgt_in);
      // Garbage in the pad slots (the mask still says "pad") and three more pad columns.
      auto noisy = torch::where(b.src_mask, b.src, torch::randint(kNumSpecial, kSrcVocab, b.src.sizes(), torch::kLong));
      auto wider = torch::cat({noisy, torch::full({3, 3}, kPadId, torch::kLong)}, 1);
      auto wider_mask = torch::cat({b.src_mask, torch::zeros({3, 3}, torch::kBool)}, 1);
      CHECK(max_diff(model->forward(wider, wider_mask, b.tgt_in), reference) < 1e-5);
      // Each sentence alone, without any padding, gives the same logits.
      for (int64_t i = 0; i < 3; ++i) {
        const int64_t len = b.src_mask[i].sum().item<int64_t>();
        auto src = b.src[i].narrow(0, 0, len).unsqueeze(0);
        auto alone = model->forward(src, torch::ones_like(src, torch::kBool), b.tgt_in[i].unsqueeze(0));
        CHECK(max_diff(alone[0], reference[i]) < 1e-5);
      }
    }
  }
}

TEST_CASE("every model: changing future target tokens leaves earlier logits unchanged", "[models]") {
  torch::NoGradGuard no_grad;
  for (const auto& m : all_tiny_models()) {
    SECTION(m.name) {
      auto model = build(m.cfg);
      torch::manual_seed(13);
      auto b = toy_batch();
      auto reference = model->forward(b.src, b.src_mask, b.tgt_in);
      auto changed = b.tgt_in.clone();
      changed.narrow(1, 3, 3).random_(kNumSpecial, kTgtVocab);
      auto logits = model->forward(b.src, b.src_mask, changed);
      CHECK(max_diff(logits.narrow(1, 0, 3), reference.narrow(1, 0, 3)) < 1e-6);
      CHECK(max_diff(logits.narrow(1, 3, 3), reference.narrow(1, 3, 3)) > 1e-4);  // the future does change
    }
  }
}

TEST_CASE("every model: DecoderState expand, reorder and keep", "[models][state]") {
  torch::NoGradGuard no_grad;
  for (const auto& m : all_tiny_models()) {
    SECTION(m.name) {
      auto model = build(m.cfg);
      torch::manual_seed(14);
      auto b = toy_batch();
      auto enc = model->encode(b.src, b.src_mask);
      const int64_t beam = 2;
      auto bos = torch::full({3 * beam}, kBosId, torch::kLong);
      auto first = torch::randint(kNumSpecial, kTgtVocab, {3 * beam}, torch::kLong);
      auto second = torch::randint(kNumSpecial, kTgtVocab, {3 * beam}, torch::kLong);

      // expand: each sentence's rows are copies; stepping equals the unexpanded step, repeated.
      auto plain = model->start(enc);
      auto plain_out = model->step(torch::full({3}, kBosId, torch::kLong), plain).logits;
      auto state = model->start(enc);
      state.expand(beam);
      CHECK(state.size() == 3 * beam);
      auto expanded_out = model->step(bos, state).logits;
      CHECK(max_diff(expanded_out, plain_out.repeat_interleave(beam, 0)) < 1e-6);

      // reorder: swap the beams of every sentence; then stepping equals having fed the
      // swapped tokens in the first place.
      model->step(first, state);
      auto idx = torch::tensor({1, 0, 3, 2, 5, 4}, torch::kLong);
      const auto per_src_before = state.per_src;
      const auto per_hyp_before = state.per_hyp;
      const auto shared_before = state.shared;
      state.reorder(idx);
      for (const auto& [key, t] : per_src_before) {
        INFO("per_src[" << key << "]");
        CHECK(state.per_src.at(key).equal(t));  // the source side is never reordered
      }
      for (const auto& [key, t] : shared_before) {
        INFO("shared[" << key << "]");
        CHECK(state.shared.at(key).is_same(t));  // moved through the indexes in per_hyp, never copied
      }
      for (const auto& [key, t] : per_hyp_before) {
        INFO("per_hyp[" << key << "]");
        CHECK(state.per_hyp.at(key).equal(t.index_select(0, idx)));
      }
      auto after_reorder = model->step(second, state).logits;

      auto reference = model->start(enc);
      reference.expand(beam);
      model->step(bos, reference);
      model->step(first.index_select(0, idx), reference);
      auto expected = model->step(second, reference).logits;
      CHECK(max_diff(after_reorder, expected) < 1e-5);

      // keep: drop sentence 1 (rows 2, 3) with a bool mask, and again with an index.
      auto alive = torch::tensor({1, 1, 0, 0, 1, 1}, torch::kBool);
      auto third = torch::randint(kNumSpecial, kTgtVocab, {3 * beam}, torch::kLong);
      auto full_state = state;
      auto full_out = model->step(third, full_state, true);
      auto kept = state;
      kept.keep(alive);
      CHECK(kept.size() == 4);
      auto kept_out = model->step(third.masked_select(alive), kept, true);
      auto rows = alive.nonzero().squeeze(1);
      CHECK(max_diff(kept_out.logits, full_out.logits.index_select(0, rows)) < 1e-5);
      if (full_out.attention.defined())
        CHECK(max_diff(kept_out.attention, full_out.attention.index_select(0, rows)) < 1e-6);
      auto kept_by_index = state;
      kept_by_index.keep(rows);
      CHECK(max_diff(model->step(third.index_select(0, rows), kept_by_index).logits, kept_out.logits) < 1e-6);
    }
  }
}

TEST_CASE("every model: copies of a DecoderState step independently", "[models][state]") {
  // The Transformer writes its K/V cache in place; a copy must not see the other's writes.
  torch::NoGradGuard no_grad;
  for (const auto& m : all_tiny_models()) {
    SECTION(m.name) {
      auto model = build(m.cfg);
      torch::manual_seed(15);
      auto b = toy_batch();
      auto enc = model->encode(b.src, b.src_mask);
      auto bos = torch::full({3}, kBosId, torch::kLong);
      auto x = torch::randint(kNumSpecial, kTgtVocab, {3}, torch::kLong);
      auto y = torch::randint(kNumSpecial, kTgtVocab, {3}, torch::kLong);
      auto z = torch::randint(kNumSpecial, kTgtVocab, {3}, torch::kLong);
      auto state = model->start(enc);
      model->step(bos, state);
      auto copy = state;
      model->step(x, copy);
      model->step(y, state);  // same position, other tokens
      auto got = model->step(z, copy).logits;
      auto reference = model->start(enc);
      model->step(bos, reference);
      model->step(x, reference);
      CHECK(max_diff(got, model->step(z, reference).logits) < 1e-6);
    }
  }
}

TEST_CASE("DecoderState operations on plain tensors", "[state]") {
  DecoderState s;
  s.per_hyp["h"] = torch::arange(3).view({3, 1});
  s.per_src["m"] = torch::arange(3).view({3, 1}) * 10;
  const torch::Tensor cache = torch::arange(4);
  s.shared["c"] = cache;  // addressed through indexes: no operation touches it
  CHECK(s.size() == 3);
  s.expand(2);
  CHECK(s.per_hyp["h"].view(-1).equal(torch::tensor({0, 0, 1, 1, 2, 2}, torch::kLong)));
  CHECK(s.per_src["m"].view(-1).equal(torch::tensor({0, 0, 10, 10, 20, 20}, torch::kLong)));
  // A real permutation across sentences: rows 2, 0, 5, 1, 4, 3 hold sentences 1, 0, 2, 0, 2, 1.
  s.reorder(torch::tensor({2, 0, 5, 1, 4, 3}, torch::kLong));
  CHECK(s.per_hyp["h"].view(-1).equal(torch::tensor({1, 0, 2, 0, 2, 1}, torch::kLong)));
  CHECK(s.per_src["m"].view(-1).equal(torch::tensor({0, 0, 10, 10, 20, 20}, torch::kLong)));  // untouched
  s.reorder(torch::tensor({1, 0, 3, 2, 4, 5}, torch::kLong));
  CHECK(s.per_hyp["h"].view(-1).equal(torch::tensor({0, 1, 0, 2, 2, 1}, torch::kLong)));
  s.keep(torch::tensor({0, 0, 1, 1, 0, 1}, torch::kBool));
  CHECK(s.size() == 3);
  CHECK(s.per_hyp["h"].view(-1).equal(torch::tensor({0, 2, 1}, torch::kLong)));
  CHECK(s.per_src["m"].view(-1).equal(torch::tensor({10, 10, 20}, torch::kLong)));
  s.keep(torch::tensor({2}, torch::kLong));
  CHECK(s.per_hyp["h"].view(-1).equal(torch::tensor({1}, torch::kLong)));
  CHECK(s.shared.at("c").is_same(cache));
  CHECK(DecoderState{}.size() == 0);
}

TEST_CASE("transformer: attention view selects layer and head", "[models][transformer]") {
  torch::NoGradGuard no_grad;
  auto model = build(tiny_transformer(NormPosition::Pre));
  auto b = toy_batch();
  auto enc = model->encode(b.src, b.src_mask);
  auto bos = torch::full({3}, kBosId, torch::kLong);
  std::vector<torch::Tensor> per_head;
  for (int64_t h = 0; h < 4; ++h) {
    model->set_attention_view(0, h);
    auto state = model->start(enc);
    per_head.push_back(model->step(bos, state, true).attention);
    CHECK(per_head.back().sizes() == std::vector<int64_t>{3, 7});
  }
  model->set_attention_view(0, -1);
  auto state = model->start(enc);
  CHECK(max_diff(model->step(bos, state, true).attention, torch::stack(per_head).mean(0)) < 1e-6);
  CHECK_THROWS_AS(model->set_attention_view(2, 0), UsageError);
  CHECK_THROWS_AS(model->set_attention_view(0, 4), UsageError);
}

TEST_CASE("factory: tied embeddings share one matrix and need a joint vocabulary", "[models][factory]") {
  auto tied = make_model(tiny_transformer(NormPosition::Pre, true), 20, 20);
  auto untied = make_model(tiny_transformer(NormPosition::Pre, false), 20, 20);
  // untied: separate source, target embeddings and output projection (3 × 20 × 32)
  CHECK(untied->parameter_count() - tied->parameter_count() == 2 * 20 * 32);
  CHECK_THROWS_AS(make_model(tiny_transformer(NormPosition::Pre, true), 20, 21), ConfigError);
  CHECK_NOTHROW(make_model(tiny_transformer(NormPosition::Pre, false), 20, 21));
  CHECK_THROWS_AS(make_model(ModelConfig{Arch::Transformer, RnnOptions{}}, 20, 20), ConfigError);
  // Model constructors run the same checks as the config reader.
  CHECK_THROWS_WITH(TransformerImpl(TransformerOptions().src_vocab(20).tgt_vocab(20).d_model(30).heads(4)),
                    Catch::Matchers::Contains("model.heads: must divide model.d_model (30 % 4 = 2)"));
  CHECK_THROWS_AS(BahdanauSeq2SeqImpl(BahdanauOptions().src_vocab(20).tgt_vocab(20).hidden(25)), ConfigError);
  CHECK_THROWS_AS(RnnSeq2SeqImpl(RnnOptions().src_vocab(20).tgt_vocab(20).emb_dim(8).hidden(16).tied_embeddings(true)),
                  ConfigError);
  // Parameter names read like the architecture.
  auto params = tied->named_parameters();
  CHECK(params.contains("shared_embedding.weight"));
  CHECK(params.contains("decoder_layers.1.cross_attn.in_proj.weight"));
  CHECK(params.contains("encoder_layers.0.ffn.expand.weight"));
  auto bahdanau = make_model(tiny_bahdanau(RnnCell::GRU), 20, 20);
  CHECK(bahdanau->named_parameters().contains("attention.key_proj.weight"));
}

TEST_CASE("every model describes its attention views, and step() honours them", "[models]") {
  torch::NoGradGuard no_grad;
  for (const auto& m : all_tiny_models()) {
    SECTION(m.name) {
      auto model = build(m.cfg);
      CHECK_FALSE(model->title().empty());
      const AttentionViews v = model->attention_views();
      auto b = toy_batch();
      auto state = model->start(model->encode(b.src, b.src_mask));
      auto out = model->step(torch::full({3}, kBosId, torch::kLong), state, /*want_attention=*/true);
      CHECK(out.attention.defined() == (v.layers > 0));  // a model reports attention iff it has views
      CHECK_NOTHROW(model->set_attention_view(-1, -1));
      CHECK_THROWS_AS(model->set_attention_view(std::max<int64_t>(v.layers, 1), -1), UsageError);
      CHECK_THROWS_AS(model->set_attention_view(-1, std::max<int64_t>(v.heads, 1)), UsageError);
      if (m.cfg.arch == Arch::Transformer) {
        CHECK(v.layers == 2);
        CHECK(v.heads == 4);
        CHECK(model->max_source_positions() == 128);
      } else {
        CHECK(model->max_source_positions() == 0);  // recurrent encoders have no length limit
      }
    }
  }
}
