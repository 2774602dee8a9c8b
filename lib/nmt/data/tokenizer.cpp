// SentencePiece tokenizer and the load/prepare functions of tokenizer.h.
#include "nmt/data/tokenizer.h"

#include <unistd.h>

#include <filesystem>

#include "nmt/data/spm.h"
#include "nmt/data/vocab.h"
#include "nmt/data/word_tokenizer.h"
#include "nmt/util/error.h"

namespace nmt {
namespace fs = std::filesystem;
namespace {

constexpr unsigned kSpmSeed = 1;  // SentencePiece training is seeded so retraining is reproducible

class SpmTokenizer : public Tokenizer {
 public:
  explicit SpmTokenizer(const std::string& path) : model_(path) {}
  std::vector<int32_t> encode(std::string_view text) const override { return model_.encode(text); }
  std::string decode(const std::vector<int32_t>& ids) const override {
    std::vector<int32_t> kept;
    kept.reserve(ids.size());
    for (int32_t id : ids)
      if (id != kPadId && id != kBosId && id != kEosId) kept.push_back(id);
    return model_.decode(kept);
  }
  std::vector<std::string> pieces(const std::vector<int32_t>& ids) const override {
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (int32_t id : ids) out.push_back(model_.piece(id));
    return out;
  }
  int64_t vocab_size() const override { return model_.vocab_size(); }

 private:
  SpmModel model_;
};

bool is_spm(const TokenizerConfig& cfg) { return cfg.type == TokenizerType::SentencePiece; }

// File names inside a model directory: {joint} or {src, tgt}.
std::vector<std::string> file_names(const TokenizerConfig& cfg) {
  if (is_spm(cfg)) return cfg.joint ? std::vector<std::string>{"spm.model"}
                                    : std::vector<std::string>{"spm.src.model", "spm.tgt.model"};
  return cfg.joint ? std::vector<std::string>{"vocab.txt"}
                   : std::vector<std::string>{"vocab.src.txt", "vocab.tgt.txt"};
}

std::shared_ptr<Tokenizer> load_one(const std::string& path, const TokenizerConfig& cfg) {
  if (!fs::exists(path)) throw IoError("tokenizer file missing: " + path);
  if (is_spm(cfg)) return std::make_shared<SpmTokenizer>(path);
  return std::make_shared<WordTokenizer>(WordTokenizer::load_vocab(path));
}

void check_readable(const std::string& file) {
  if (file.empty()) throw DataError("tokenizer training: no training file given");
  if (!fs::is_regular_file(file)) throw DataError("cannot read training file " + file);
}

void train_one(const std::string& path, const TokenizerConfig& cfg, const std::vector<std::string>& inputs) {
  for (const auto& f : inputs) check_readable(f);
  if (!is_spm(cfg)) {
    auto symbols = WordTokenizer::build_vocab(inputs, cfg.vocab_size);
    WordTokenizer::save_vocab(symbols, path);
    spdlog::info("built word vocabulary of {} symbols into {}", symbols.size(), path);
    return;
  }
  std::string inputs_joined;
  for (const auto& f : inputs) {
    if (f.find(',') != std::string::npos)
      throw DataError("SentencePiece cannot train on a file whose name contains a comma: " + f);
    inputs_joined += (inputs_joined.empty() ? "" : ",") + f;
  }
  // Train under a temporary name, then rename: a run killed mid-training never leaves a torn
  // spm.model that the next run would take for a finished one.
  const std::string final_prefix = path.substr(0, path.size() - std::string(".model").size());
  const fs::path p(path);
  const std::string prefix =
      (p.parent_path() / ("." + p.stem().string() + ".tmp." + std::to_string(::getpid()))).string();
  spdlog::info("training SentencePiece {} model ({} pieces) on {} into {}", enum_name(cfg.model_type), cfg.vocab_size,
               inputs_joined, path);
  spm_train({{"input", inputs_joined},
             {"model_prefix", prefix},
             {"model_type", enum_name(cfg.model_type)},
             {"vocab_size", std::to_string(cfg.vocab_size)},
             {"character_coverage", std::to_string(cfg.character_coverage)},
             {"input_sentence_size", std::to_string(cfg.input_sentence_size)},
             {"shuffle_input_sentence", "true"},
             {"hard_vocab_limit", "false"},
             {"pad_id", std::to_string(kPadId)},
             {"unk_id", std::to_string(kUnkId)},
             {"bos_id", std::to_string(kBosId)},
             {"eos_id", std::to_string(kEosId)},
             {"num_threads", "2"},
             {"minloglevel", "2"},
             {"random_seed", std::to_string(kSpmSeed)}});
  for (const char* ext : {".vocab", ".model"}) {  // the model last: its name is the commit
    std::error_code ec;
    fs::rename(prefix + ext, final_prefix + ext, ec);
    if (ec) throw IoError("cannot rename " + prefix + ext + " to " + final_prefix + ext + ": " + ec.message());
  }
}

}  // namespace

std::vector<std::string> tokenizer_files(const TokenizerConfig& cfg) { return file_names(cfg); }

Tokenizers load_tokenizers(const std::string& model_dir, const TokenizerConfig& cfg) {
  auto names = file_names(cfg);
  Tokenizers t;
  t.src = load_one((fs::path(model_dir) / names[0]).string(), cfg);
  t.tgt = cfg.joint ? t.src : load_one((fs::path(model_dir) / names[1]).string(), cfg);
  return t;
}

Tokenizers prepare_tokenizers(const std::string& model_dir, const TokenizerConfig& cfg, const FilePair& train) {
  auto names = file_names(cfg);
  std::error_code ec;
  fs::create_directories(model_dir, ec);
  if (ec) throw IoError("cannot create model directory " + model_dir + ": " + ec.message());
  std::vector<std::vector<std::string>> inputs =
      cfg.joint ? std::vector<std::vector<std::string>>{{train.src, train.tgt}}
                : std::vector<std::vector<std::string>>{{train.src}, {train.tgt}};
  for (size_t i = 0; i < names.size(); ++i) {
    std::string path = (fs::path(model_dir) / names[i]).string();
    if (fs::exists(path)) {
      spdlog::info("using existing tokenizer {}", path);
      continue;
    }
    train_one(path, cfg, inputs[i]);
  }
  return load_tokenizers(model_dir, cfg);
}

}  // namespace nmt
