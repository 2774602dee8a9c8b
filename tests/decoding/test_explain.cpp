// nmt explain at the library level, on the three architectures: the JSON's numbers are the
// model's (scaled = q·k / √d_k, weights = softmax(scaled)), and its weights are exactly the
// attention `translate` reports for that step, layer and head.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <cmath>

#include "common/tiny_models.h"
#include "nmt/data/word_tokenizer.h"
#include "nmt/decoding/translator.h"
#include "nmt/explain/explain.h"
#include "nmt/models/factory.h"
#include "nmt/util/error.h"

using namespace nmt;
using Catch::Matchers::Contains;

namespace {

LoadedModel tiny_loaded(const ModelConfig& mc, uint64_t seed = 3) {
  std::vector<std::string> symbols = {"<pad>", "<unk>", "<s>", "</s>"};
  for (char c = 'a'; c <= 'p'; ++c) symbols.emplace_back(1, c);
  auto tok = std::make_shared<WordTokenizer>(symbols);
  LoadedModel lm;
  lm.config.model = mc;
  lm.config.decode.beam_size = 3;
  lm.config.decode.max_len_ratio = 1.0;
  lm.config.decode.max_len_const = 3;
  lm.tokenizers = {tok, tok};
  torch::manual_seed(seed);
  lm.model = make_model(mc, tok->vocab_size(), tok->vocab_size());
  lm.model->eval();
  lm.weights = "in-memory";
  return lm;
}

// The attention `translate` reports for (layer, head): [T, S].
torch::Tensor translate_attention(LoadedModel& lm, const std::string& sentence, int64_t layer, int64_t head) {
  SearchOptions so = search_options(lm.config.decode);
  so.nbest = 1;
  so.want_attention = true;
  lm.model->set_attention_view(layer, head);
  Translator tr(lm.model, lm.tokenizers, so, 1, torch::kCPU, lm.config.data.max_len);
  auto t = tr.translate({sentence}).at(0);
  lm.model->set_attention_view(-1, -1);
  return t.attention;
}

std::vector<double> softmax_unmasked(const Json& a) {
  std::vector<double> w(a["scaled"].size(), 0.0);
  double mx = -INFINITY, sum = 0;
  for (size_t j = 0; j < w.size(); ++j)
    if (!a["masked"][j].get<bool>()) mx = std::max(mx, a["scaled"][j].get<double>());
  for (size_t j = 0; j < w.size(); ++j)
    if (!a["masked"][j].get<bool>()) sum += (w[j] = std::exp(a["scaled"][j].get<double>() - mx));
  for (auto& x : w) x /= sum;
  return w;
}

}  // namespace

TEST_CASE("explain JSON: scaled = scores / sqrt(d_k), weights = softmax(scaled) = translate's attention",
          "[explain]") {
  torch::NoGradGuard no_grad;
  const std::string sentence = "c d e f g";
  for (const auto& mc : {test::tiny_transformer(NormPosition::Pre), test::tiny_bahdanau(RnnCell::GRU)}) {
    SECTION(enum_name(mc.arch)) {
      LoadedModel lm = tiny_loaded(mc);
      ExplainRequest r;
      r.source = sentence;
      const Explanation e = explain(lm, r, torch::kCPU);
      const Json j = explain_json(e, r);
      const auto views = lm.model->attention_views();
      REQUIRE(j["steps"].size() == e.tgt_tokens.size());
      int64_t checked = 0;
      for (int64_t layer = 0; layer < views.layers; ++layer) {
        for (int64_t head = 0; head < views.heads; ++head) {
          const torch::Tensor reported = translate_attention(lm, sentence, layer, head);  // [T, S]
          REQUIRE(reported.size(0) == static_cast<int64_t>(e.tgt_tokens.size()));
          for (const auto& step : j["steps"]) {
            const int64_t t = step["step"].get<int64_t>() - 1;
            for (const auto& a : step["attention"]) {
              if (a["layer"] != layer || a["head"] != head) continue;
              const double root = a["d_k"].is_null() ? 1.0 : std::sqrt(a["d_k"].get<double>());
              const auto w = softmax_unmasked(a);
              for (size_t k = 0; k < w.size(); ++k) {
                if (!a["masked"][k].get<bool>())
                  CHECK(a["scaled"][k].get<double>() == Approx(a["scores"][k].get<double>() / root).margin(1e-4));
                CHECK(a["weights"][k].get<double>() == Approx(w[k]).margin(1e-5));
              }
              if (a["keys"] == "source") {
                for (size_t k = 0; k < w.size(); ++k)
                  CHECK(a["weights"][k].get<double>() == Approx(reported[t][static_cast<int64_t>(k)].item<double>()).margin(1e-5));
                ++checked;
              } else {  // masked self-attention: step t+1 sees target positions 0..t
                for (size_t k = 0; k < w.size(); ++k) CHECK(a["masked"][k].get<bool>() == (static_cast<int64_t>(k) > t));
              }
            }
          }
        }
      }
      CHECK(checked == views.layers * views.heads * static_cast<int64_t>(e.tgt_tokens.size()));
    }
  }
}

TEST_CASE("explain text walks through one step, the rnn has nothing to weigh", "[explain]") {
  torch::NoGradGuard no_grad;
  LoadedModel tf = tiny_loaded(test::tiny_transformer(NormPosition::Pre));
  ExplainRequest r;
  r.source = "c d e";
  r.target = "e d c";
  r.step = 2;
  const Explanation e = explain(tf, r, torch::kCPU);
  CHECK(e.forced);
  CHECK(e.tgt_tokens == std::vector<std::string>{"e", "d", "c", "</s>"});
  const std::string text = explain_text(e, r);
  for (const char* s : {"Step 2 of 4: reading \"e\", the model writes \"d\"", "cross-attention | layer 1 | head 0",
                        "masked self-attention | layer 1 | head 0", "d_k = 8", "÷ 2.83", "softmax", "masked", "−∞",
                        "Σ_j w_j·v_j", "The other heads at step 2", "How the pieces fit"})
    CHECK_THAT(text, Contains(s));
  CHECK_THAT(explain_html(e, r), Contains("<svg"));

  LoadedModel rnn = tiny_loaded(test::tiny_rnn());
  ExplainRequest rr;
  rr.source = "c d e";
  const Explanation er = explain(rnn, rr, torch::kCPU);
  CHECK(er.trace.attention.empty());
  CHECK_THAT(explain_text(er, rr), Contains("nothing to weigh"));
  CHECK_THAT(explain_text(er, rr), Contains("‖s_0‖"));
  CHECK(explain_json(er, rr)["steps"][0]["attention"].empty());
  CHECK_THAT(explain_html(er, rr), Contains("no attention"));
}

TEST_CASE("explain refuses steps, layers and heads the model does not have", "[explain]") {
  torch::NoGradGuard no_grad;
  LoadedModel tf = tiny_loaded(test::tiny_transformer(NormPosition::Pre));
  ExplainRequest r;
  r.source = "c d e";
  r.target = "e d c";
  r.step = 5;  // 3 tokens + </s> = 4 steps
  CHECK_THROWS_WITH(explain(tf, r, torch::kCPU), Contains("--step 5 is past the end"));
  r.step = 1;
  r.layer = 2;
  CHECK_THROWS_WITH(explain(tf, r, torch::kCPU), Contains("--layer 2 out of range"));
  r.layer = -1;
  r.head = 4;
  CHECK_THROWS_AS(explain(tf, r, torch::kCPU), UsageError);
  LoadedModel rnn = tiny_loaded(test::tiny_rnn());
  ExplainRequest rr;
  rr.source = "c d";
  rr.head = 0;
  CHECK_THROWS_WITH(explain(rnn, rr, torch::kCPU), Contains("no attention"));
  rr.head = -1;
  rr.source = "";
  CHECK_THROWS_AS(explain(rnn, rr, torch::kCPU), UsageError);
}
