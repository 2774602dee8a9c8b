// JSON bodies of /translate, /v1/translate, /languages and /v1/models.
#include "nmt/serve/responses.h"

#include <cmath>
#include <map>
#include <set>

namespace nmt::serve {
namespace {

std::vector<int32_t> ids32(const std::vector<int64_t>& v) { return {v.begin(), v.end()}; }

std::string detok(const ServedModel& m, const Hypothesis& h) {
  return m.translator->tokenizers().tgt->decode(ids32(h.tokens));
}

double round_to(double v, double scale) { return std::round(v * scale) / scale; }

// [L, H, T, S] weights as nested arrays, 4 decimals (enough for a heatmap, a third of the bytes).
Json attention_json(const ServedModel& m, const TextResult& t) {
  const torch::Tensor& a = t.result.attention;
  if (!a.defined() || t.result.hyps.empty()) return nullptr;
  TORCH_CHECK(a.dim() == 4, "attention must be [L, H, T, S], got ", a.sizes());
  auto acc = a.accessor<float, 4>();
  Json weights = Json::array();
  for (int64_t l = 0; l < a.size(0); ++l) {
    Json layer = Json::array();
    for (int64_t h = 0; h < a.size(1); ++h) {
      Json rows = Json::array();
      for (int64_t i = 0; i < a.size(2); ++i) {
        Json row = Json::array();
        for (int64_t j = 0; j < a.size(3); ++j) row.push_back(round_to(acc[l][h][i][j], 1e4));
        rows.push_back(std::move(row));
      }
      layer.push_back(std::move(rows));
    }
    weights.push_back(std::move(layer));
  }
  std::vector<std::string> tgt = m.translator->tokenizers().tgt->pieces(ids32(t.result.hyps.front().tokens));
  tgt.push_back("</s>");
  return {{"layers", a.size(0)},       {"heads", a.size(1)},   {"source_tokens", m.translator->source_pieces(t.src)},
          {"target_tokens", tgt},      {"weights", weights}};
}

}  // namespace

Json error_json(const std::string& message) { return {{"error", message}}; }

Json libre_translate_json(const ServedModel& m, const TranslateRequest& r, const std::vector<TextResult>& texts,
                          bool auto_source) {
  Json translated = Json::array(), alternatives = Json::array();
  for (const auto& t : texts) {
    const auto& hyps = t.result.hyps;
    translated.push_back(hyps.empty() ? std::string() : detok(m, hyps.front()));
    Json alts = Json::array();
    for (size_t k = 1; k < hyps.size() && static_cast<int64_t>(k) <= r.alternatives; ++k) alts.push_back(detok(m, hyps[k]));
    alternatives.push_back(std::move(alts));
  }
  Json out;
  out["translatedText"] = r.array ? translated : translated.at(0);
  if (r.alternatives > 0) out["alternatives"] = r.array ? alternatives : alternatives.at(0);
  if (auto_source) {  // as LibreTranslate: one object, or one per text for an array
    const Json detected{{"confidence", 100}, {"language", m.src_lang}};
    out["detectedLanguage"] = r.array ? Json(std::vector<Json>(texts.size(), detected)) : detected;
  }
  return out;
}

Json native_translate_json(const ServedModel& m, const std::vector<TextResult>& texts, bool attention) {
  Json list = Json::array();
  const auto& tgt_tok = *m.translator->tokenizers().tgt;
  for (const auto& t : texts) {
    Json hyps = Json::array();
    for (const auto& h : t.result.hyps)
      hyps.push_back({{"text", detok(m, h)}, {"score", round_to(h.score, 1e6)}, {"tokens", tgt_tok.pieces(ids32(h.tokens))}});
    if (hyps.empty()) hyps.push_back({{"text", ""}, {"score", 0.0}, {"tokens", Json::array()}});
    Json item{{"source_tokens", m.translator->source_pieces(t.src)}, {"truncated", t.src.truncated}, {"hypotheses", hyps}};
    if (attention) item["attention"] = attention_json(m, t);
    list.push_back(std::move(item));
  }
  return {{"model", m.name}, {"source", m.src_lang}, {"target", m.tgt_lang}, {"translations", list}};
}

Json languages_json(const Catalog& catalog) {
  std::map<std::string, std::set<std::string>> targets;
  for (size_t i = 0; i < catalog.size(); ++i) targets[catalog.at(i).src_lang].insert(catalog.at(i).tgt_lang);
  Json out = Json::array();
  for (const auto& [code, t] : targets)
    out.push_back({{"code", code}, {"name", language_name(code)}, {"targets", std::vector<std::string>(t.begin(), t.end())}});
  return out;
}

Json models_json(const Catalog& catalog, bool api_key_required) {
  Json list = Json::array();
  for (size_t i = 0; i < catalog.size(); ++i) {
    const ServedModel& m = catalog.at(i);
    Json training = Json::object();
    if (m.training_step) training["step"] = *m.training_step;
    if (m.best_step) training["best_step"] = *m.best_step;
    if (m.best_metric) training["best_dev_" + (m.metric.empty() ? std::string("metric") : m.metric)] = *m.best_metric;
    const SearchOptions& d = m.defaults;
    list.push_back({{"name", m.name},
                    {"dir", m.dir},
                    {"weights", m.loaded.weights},
                    {"arch", m.arch},
                    {"title", m.title},
                    {"parameters", m.parameters},
                    {"source", m.src_lang},
                    {"target", m.tgt_lang},
                    {"source_name", language_name(m.src_lang)},
                    {"target_name", language_name(m.tgt_lang)},
                    {"max_source_tokens", m.translator->max_src_len()},
                    {"training", training},
                    {"decode",
                     {{"beam_size", d.beam_size},
                      {"nbest", d.nbest},
                      {"length_penalty", d.length_penalty},
                      {"max_len_ratio", d.max_len_ratio},
                      {"max_len_const", d.max_len_const}}},
                    {"attention", {{"layers", m.attention.layers}, {"heads", m.attention.heads}, {"name", m.attention.name}}}});
  }
  return {{"models", list}, {"api_key_required", api_key_required}};
}

}  // namespace nmt::serve
