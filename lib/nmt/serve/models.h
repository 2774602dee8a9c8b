// The models a server holds, each behind its language pair, and how a request's
// source/target picks one.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/decoding/translator.h"
#include "nmt/serve/request.h"
#include "nmt/training/model_dir.h"

namespace nmt::serve {

struct ModelSpec {
  std::string dir;
  std::string weights = "best";      // best | last
  std::string src_lang, tgt_lang;    // override the config's data.src_lang/tgt_lang when set
};

struct ServedModel {
  std::string dir, name, arch, title;
  std::string src_lang, tgt_lang;
  LoadedModel loaded;                // config (with the languages in force), model, tokenizers, weights file
  std::unique_ptr<Translator> translator;  // over loaded.model
  // Held while the model runs (a decode batch, an explanation): one computation at a time.
  std::mutex run_mutex;
  SearchOptions defaults;            // the model's decode section, as nmt translate uses it
  int64_t parameters = 0;
  AttentionViews attention;
  // From train_state.json; absent for directories without one.
  std::optional<int64_t> training_step, best_step;
  std::optional<double> best_metric;
  std::string metric;

  std::string pair() const { return src_lang + "-" + tgt_lang; }
};

// Loads every model (config, tokenizers, weights) and checks that each has a language pair
// and no two share one. Throws UsageError with the fix when a model has no languages.
std::vector<std::unique_ptr<ServedModel>> load_served_models(const std::vector<ModelSpec>& specs,
                                                              const torch::Device& device);

class Catalog {
 public:
  explicit Catalog(std::vector<std::unique_ptr<ServedModel>> models);
  size_t size() const { return models_.size(); }
  ServedModel& at(size_t i) const { return *models_.at(i); }

  // LibreTranslate: source (or "auto") and target are required. On success the index and,
  // for "auto", the language it stood for.
  Parsed<size_t> resolve(const std::string& source, const std::string& target) const;
  // Native API: either may be empty; what is given must single out one model.
  Parsed<size_t> resolve_optional(const std::string& source, const std::string& target) const;
  // By name (config `name`, or the directory's); an empty name is the only model loaded.
  Parsed<size_t> find(const std::string& name) const;
  // The loaded source languages, sorted, without duplicates.
  std::vector<std::string> source_languages() const;
  std::string pairs_text() const;  // "es→en, fr→en"

 private:
  std::vector<std::unique_ptr<ServedModel>> models_;
};

// English name of a language code ("es" → "Spanish"); the code itself when unknown.
std::string language_name(const std::string& code);

}  // namespace nmt::serve
