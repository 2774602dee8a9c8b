// Loading the served models and picking one by language pair.
#include "nmt/serve/models.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "nmt/util/error.h"
#include "nmt/util/json.h"

namespace nmt::serve {
namespace {

namespace fs = std::filesystem;

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

RequestError bad(std::string message) { return {400, std::move(message)}; }

// Training counters from train_state.json, when the directory has one.
void read_train_state(const std::string& dir, ServedModel& m) {
  const fs::path p = fs::path(dir) / "train_state.json";
  if (!fs::exists(p)) return;
  Json j;
  try {
    j = read_json_file(p.string());
  } catch (const Error& e) {
    spdlog::warn("{}; serving without training facts", e.what());
    return;
  }
  if (!j.is_object()) return;
  if (j.contains("step") && j["step"].is_number_integer()) m.training_step = j["step"].get<int64_t>();
  if (j.contains("best_step") && j["best_step"].is_number_integer()) m.best_step = j["best_step"].get<int64_t>();
  if (j.contains("best_metric") && j["best_metric"].is_number()) m.best_metric = j["best_metric"].get<double>();
  if (j.contains("metric") && j["metric"].is_string()) m.metric = j["metric"].get<std::string>();
}

std::unique_ptr<ServedModel> load_one(const ModelSpec& spec, const torch::Device& device) {
  auto m = std::make_unique<ServedModel>();
  m->loaded = load_model_dir(spec.dir, device, spec.weights);  // checked checkpoint, as nmt translate loads it
  m->dir = spec.dir;
  Config& config = m->loaded.config;
  if (!spec.src_lang.empty() || !spec.tgt_lang.empty()) {
    // The override goes through the config's own checks (codes, both or neither).
    config = parse_config_text(to_yaml(config), spec.dir + " with --source-lang/--target-lang",
                               {"data.src_lang=" + spec.src_lang, "data.tgt_lang=" + spec.tgt_lang});
  }
  m->src_lang = config.data.src_lang;
  m->tgt_lang = config.data.tgt_lang;
  if (m->src_lang.empty() || m->tgt_lang.empty())
    throw UsageError("model " + spec.dir + " records no language pair, which nmt serve needs to route requests. " +
                     "Add it to " + (fs::path(spec.dir) / "config.yaml").string() +
                     " under data: (e.g. src_lang: es and tgt_lang: en), or, serving one model, pass "
                     "--source-lang and --target-lang");
  const Seq2Seq& model = m->loaded.model;
  m->name = config.name.empty() ? fs::path(spec.dir).filename().string() : config.name;
  m->arch = model->arch();
  m->title = model->title();
  m->parameters = model->parameter_count();
  m->attention = model->attention_views();
  m->defaults = search_options(config.decode);
  m->translator = std::make_unique<Translator>(model, m->loaded.tokenizers, m->defaults, config.decode.batch_size,
                                               device, config.data.max_len);
  read_train_state(spec.dir, *m);
  spdlog::info("loaded {} ({}, {} parameters, {}→{}) from {}", m->name, m->arch, m->parameters, m->src_lang,
               m->tgt_lang, m->loaded.weights);
  return m;
}

}  // namespace

std::vector<std::unique_ptr<ServedModel>> load_served_models(const std::vector<ModelSpec>& specs,
                                                              const torch::Device& device) {
  if (specs.empty()) throw UsageError("nmt serve needs at least one model (-m DIR)");
  std::vector<std::unique_ptr<ServedModel>> out;
  for (const auto& spec : specs) {
    auto m = load_one(spec, device);
    for (const auto& other : out)
      if (iequals(other->src_lang, m->src_lang) && iequals(other->tgt_lang, m->tgt_lang))
        throw UsageError("models " + other->dir + " and " + m->dir + " both translate " + m->src_lang + "→" +
                         m->tgt_lang + "; serve one model per language pair");
    out.push_back(std::move(m));
  }
  return out;
}

Catalog::Catalog(std::vector<std::unique_ptr<ServedModel>> models) : models_(std::move(models)) {}

std::vector<std::string> Catalog::source_languages() const {
  std::set<std::string> s;
  for (const auto& m : models_) s.insert(m->src_lang);
  return {s.begin(), s.end()};
}

std::string Catalog::pairs_text() const {
  std::string s;
  for (const auto& m : models_) s += (s.empty() ? "" : ", ") + m->src_lang + "\u2192" + m->tgt_lang;
  return s;
}

Parsed<size_t> Catalog::resolve(const std::string& source, const std::string& target) const {
  std::string src = source;
  if (iequals(source, "auto")) {
    const auto langs = source_languages();
    if (langs.size() != 1)
      return bad("source \"auto\" needs language detection, which nmt does not do, and this server has " +
                 std::to_string(langs.size()) + " source languages (" + pairs_text() + "): name the source language");
    src = langs.front();
  }
  for (size_t i = 0; i < models_.size(); ++i)
    if (iequals(models_[i]->src_lang, src) && iequals(models_[i]->tgt_lang, target)) return i;
  return bad("no model translates " + excerpt(src, 20) + "\u2192" + excerpt(target, 20) +
             "; this server translates " + pairs_text());
}

Parsed<size_t> Catalog::resolve_optional(const std::string& source, const std::string& target) const {
  if (!source.empty() && !target.empty()) return resolve(source, target);
  std::vector<size_t> hits;
  for (size_t i = 0; i < models_.size(); ++i)
    if ((source.empty() || iequals(models_[i]->src_lang, source)) &&
        (target.empty() || iequals(models_[i]->tgt_lang, target)))
      hits.push_back(i);
  if (hits.size() == 1) return hits.front();
  if (hits.empty())
    return bad("no model translates " + (source.empty() ? std::string("any language") : excerpt(source, 20)) +
               "\u2192" + (target.empty() ? std::string("any language") : excerpt(target, 20)) +
               "; this server translates " + pairs_text());
  return bad("several models match (" + pairs_text() + "): give source and target");
}

Parsed<size_t> Catalog::find(const std::string& name) const {
  std::string names;
  for (size_t i = 0; i < models_.size(); ++i) {
    if (models_[i]->name == name || (name.empty() && models_.size() == 1)) return i;
    names += (names.empty() ? "" : ", ") + models_[i]->name;
  }
  if (name.empty()) return bad("this server has " + std::to_string(models_.size()) + " models: name one with model= (" + names + ")");
  return bad("no model named \"" + excerpt(name, 60) + "\"; this server has " + names);
}

std::string language_name(const std::string& code) {
  static const std::map<std::string, std::string> kNames{
      {"af", "Afrikaans"}, {"ar", "Arabic"},     {"az", "Azerbaijani"}, {"bg", "Bulgarian"}, {"bn", "Bengali"},
      {"ca", "Catalan"},   {"cs", "Czech"},      {"cy", "Welsh"},       {"da", "Danish"},    {"de", "German"},
      {"el", "Greek"},     {"en", "English"},    {"eo", "Esperanto"},   {"es", "Spanish"},   {"et", "Estonian"},
      {"eu", "Basque"},    {"fa", "Persian"},    {"fi", "Finnish"},     {"fr", "French"},    {"ga", "Irish"},
      {"gl", "Galician"},  {"he", "Hebrew"},     {"hi", "Hindi"},       {"hr", "Croatian"},  {"hu", "Hungarian"},
      {"hy", "Armenian"},  {"id", "Indonesian"}, {"is", "Icelandic"},   {"it", "Italian"},   {"ja", "Japanese"},
      {"ka", "Georgian"},  {"kk", "Kazakh"},     {"ko", "Korean"},      {"la", "Latin"},     {"lt", "Lithuanian"},
      {"lv", "Latvian"},   {"mk", "Macedonian"}, {"ms", "Malay"},       {"mt", "Maltese"},   {"nb", "Norwegian Bokmål"},
      {"nl", "Dutch"},     {"no", "Norwegian"},  {"pl", "Polish"},      {"pt", "Portuguese"}, {"pt-BR", "Portuguese (Brazil)"},
      {"ro", "Romanian"},  {"ru", "Russian"},    {"sk", "Slovak"},      {"sl", "Slovenian"}, {"sq", "Albanian"},
      {"sr", "Serbian"},   {"sv", "Swedish"},    {"sw", "Swahili"},     {"ta", "Tamil"},     {"th", "Thai"},
      {"tl", "Tagalog"},   {"tr", "Turkish"},    {"uk", "Ukrainian"},   {"ur", "Urdu"},      {"vi", "Vietnamese"},
      {"zh", "Chinese"},   {"zh-Hans", "Chinese (Simplified)"},         {"zh-Hant", "Chinese (Traditional)"}};
  auto it = kNames.find(code);
  if (it != kNames.end()) return it->second;
  std::string lower(code);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  it = kNames.find(lower);
  return it != kNames.end() ? it->second : code;
}

}  // namespace nmt::serve
