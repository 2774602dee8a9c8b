// Config parsing: every error path names the dotted key and file:line:col.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "nmt/config/config.h"
#include "nmt/util/error.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

const char* kValid = R"(name: demo
data:
  train: {src: t.src, tgt: t.tgt}
  dev: {src: d.src, tgt: d.tgt}
tokenizer:
  type: word
  vocab_size: 64
model:
  arch: transformer
  d_model: 32
  heads: 4
  ffn: 64
train:
  max_steps: 10
  seed: 7
output: models/demo
)";

std::string write_tmp(const std::string& text, const std::string& name = "cfg.yaml") {
  fs::path dir = fs::temp_directory_path() / (std::string("nmt_test_config_") + std::to_string(::getpid()));  // ctest runs cases in parallel processes
  fs::create_directories(dir);
  fs::path p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

// Runs load_config and returns the ConfigError message ("" if it loaded).
std::string error_of(const std::string& text, const std::vector<std::string>& sets = {}) {
  std::string path = write_tmp(text);
  try {
    nmt::load_config(path, sets);
  } catch (const nmt::ConfigError& e) {
    REQUIRE(e.exit_code() == 2);
    return e.what();
  }
  return "";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("a valid config loads into typed structs", "[config]") {
  nmt::Config c = nmt::load_config(write_tmp(kValid));
  CHECK(c.name == "demo");
  CHECK(c.data.train.src == "t.src");
  CHECK(c.tokenizer.type == nmt::TokenizerType::Word);
  CHECK(c.model.arch == nmt::Arch::Transformer);
  CHECK(c.transformer().d_model() == 32);
  CHECK(c.transformer().heads() == 4);
  CHECK(c.train.max_steps == 10);
  CHECK(c.train.seed == 7);
  CHECK(c.train.batch_tokens == 4096);  // default
  CHECK(c.decode.beam_size == 5);       // default section
  CHECK(c.output == "models/demo");
}

TEST_CASE("a wrong type names the dotted key, the value and file:line:col", "[config]") {
  std::string msg = error_of(replace(kValid, "d_model: 32", "d_model: abc"));
  CHECK_THAT(msg, Contains("model.d_model: expected int, got \"abc\""));
  CHECK_THAT(msg, Contains("cfg.yaml:10:12)"));
}

TEST_CASE("unknown keys are rejected with the valid ones listed", "[config]") {
  std::string msg = error_of(replace(kValid, "  heads: 4\n", "  heads: 4\n  hedas: 2\n"));
  CHECK_THAT(msg, Contains("model.hedas: unknown key; valid keys under model:"));
  CHECK_THAT(msg, Contains("d_model"));
  CHECK_THAT(msg, Contains("heads"));
  CHECK_THAT(msg, Contains("cfg.yaml:12:3"));
  std::string top = error_of(std::string(kValid) + "trian: {}\n");
  CHECK_THAT(top, Contains("trian: unknown key; valid keys: name, data, tokenizer, model, train, decode, output"));
}

TEST_CASE("keys are checked against the chosen architecture", "[config]") {
  std::string msg = error_of(replace(kValid, "arch: transformer", "arch: rnn"));
  CHECK_THAT(msg, Contains("model.d_model: unknown key"));
  CHECK_THAT(msg, Contains("cell"));
  std::string bad = error_of(replace(kValid, "arch: transformer", "arch: lstm"));
  CHECK_THAT(bad, Contains("model.arch: expected one of rnn|bahdanau|transformer, got \"lstm\""));
}

TEST_CASE("missing required keys and sections are reported", "[config]") {
  std::string msg = error_of(replace(kValid, "output: models/demo\n", ""));
  CHECK_THAT(msg, Contains("output: required key is missing"));
  std::string m2 = error_of(replace(kValid, "  dev: {src: d.src, tgt: d.tgt}\n", ""));
  CHECK_THAT(m2, Contains("data.dev: required section is missing"));
  std::string m3 = error_of(replace(kValid, "{src: t.src, tgt: t.tgt}", "{src: t.src}"));
  CHECK_THAT(m3, Contains("data.train.tgt: required key is missing"));
}

TEST_CASE("cross-field checks are all reported together", "[config]") {
  std::string text = replace(kValid, "heads: 4", "heads: 5");
  text = replace(text, "max_steps: 10", "max_steps: 10\n  batch_tokens: 0\n  label_smoothing: 1.5");
  std::string msg = error_of(text);
  CHECK_THAT(msg, Contains("model.heads: must divide model.d_model (32 % 5 = 2)"));
  CHECK_THAT(msg, Contains("train.batch_tokens: must be > 0"));
  CHECK_THAT(msg, Contains("train.label_smoothing: must be in [0, 1)"));
  CHECK(std::count(msg.begin(), msg.end(), '\n') == 2);  // three problems, one per line
}

TEST_CASE("tied transformer embeddings need a joint vocabulary", "[config]") {
  std::string msg = error_of(replace(kValid, "vocab_size: 64", "vocab_size: 64\n  joint: false"));
  CHECK_THAT(msg, Contains("model.tied_embeddings: needs a joint vocabulary"));
}

TEST_CASE("YAML syntax errors name file:line:col", "[config]") {
  std::string msg = error_of("name: x\ndata: [unclosed\n");
  CHECK_THAT(msg, Contains("cfg.yaml:"));
  CHECK_THAT(msg, Contains("YAML syntax error"));
}

TEST_CASE("a list or mapping used as a key is a ConfigError naming file:line (fuzz finding)", "[config]") {
  // yaml-cpp's own conversion error escaped here before (tests/fuzz/regressions/config/).
  std::string msg = error_of(std::string("? [a, b]\n: 1\n") + kValid);
  CHECK_THAT(msg, Contains("config: a key must be a plain name, not a list (") && Contains("cfg.yaml:1:3)"));
  std::string nested = kValid;
  nested.replace(nested.find("train:\n"), 7, "train:\n  ? {x: 1}\n  : 2\n");
  msg = error_of(nested);
  CHECK_THAT(msg, Contains("a key must be a plain name, not a mapping"));
}

TEST_CASE("a missing or empty config file is a ConfigError", "[config]") {
  CHECK_THROWS_AS(nmt::load_config("/nonexistent/nmt.yaml"), nmt::ConfigError);
  CHECK_THAT(error_of(""), Contains("config file is empty"));
  CHECK_THAT(error_of("- a\n- b\n"), Contains("expected a mapping"));
}

TEST_CASE("set overrides (--set) change any key with the same validation", "[config]") {
  nmt::Config c = nmt::load_config(write_tmp(kValid), {"model.d_model=64", "train.lr=0.001",
                                                        "decode.beam_size=3", "name=other"});
  CHECK(c.transformer().d_model() == 64);
  CHECK(c.train.lr == Approx(0.001));
  CHECK(c.decode.beam_size == 3);
  CHECK(c.name == "other");

  std::string msg = error_of(kValid, {"model.d_model=abc"});
  CHECK_THAT(msg, Contains("model.d_model: expected int, got \"abc\" (--set model.d_model=abc)"));
  std::string unknown = error_of(kValid, {"train.max_stepz=5"});
  CHECK_THAT(unknown, Contains("train.max_stepz: unknown key"));
  CHECK_THAT(unknown, Contains("(--set train.max_stepz=5)"));
  CHECK_THROWS_AS(nmt::load_config(write_tmp(kValid), {"noequals"}), nmt::UsageError);
  CHECK_THROWS_WITH(nmt::load_config(write_tmp(kValid), {"name.x=1"}), Contains("name is not a section"));
  CHECK(nmt::load_config(write_tmp(kValid)).train.keep_checkpoints == 0);  // off unless asked
  CHECK(nmt::load_config(write_tmp(kValid), {"train.keep_checkpoints=5"}).train.keep_checkpoints == 5);
  CHECK_THAT(error_of(kValid, {"train.keep_checkpoints=-1"}), Contains("train.keep_checkpoints: must be >= 0"));
}

TEST_CASE("the resolved config round-trips through to_yaml", "[config]") {
  nmt::Config a = nmt::load_config(write_tmp(kValid), {"train.max_minutes=2.5"});
  std::string text = nmt::to_yaml(a);
  nmt::Config b = nmt::parse_config_text(text, "resolved");
  CHECK(nmt::to_yaml(b) == text);
  CHECK(b.train.max_minutes == Approx(2.5));
  CHECK(b.transformer().ffn() == 64);
  for (const char* arch : {"rnn", "bahdanau"}) {
    std::string t = replace(kValid, "arch: transformer\n  d_model: 32\n  heads: 4\n  ffn: 64\n",
                            std::string("arch: ") + arch + "\n  hidden: 32\n");
    nmt::Config r = nmt::load_config(write_tmp(t));
    CHECK(nmt::to_yaml(nmt::parse_config_text(nmt::to_yaml(r), "x")) == nmt::to_yaml(r));
  }
}

TEST_CASE("the shipped configs all load", "[config]") {
  fs::path root = fs::path(NMT_SOURCE_DIR) / "configs";
  int n = 0;
  for (auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".yaml") continue;
    INFO(e.path().string());
    CHECK_NOTHROW(nmt::load_config(e.path().string()));
    ++n;
  }
  CHECK(n >= 6);  // toy/reverse-* and bible-es-en/*
}

TEST_CASE("the Bible reference configs share data and vocabulary, and the rnn is the bahdanau without attention",
          "[config]") {
  auto load = [](const std::string& arch) {
    return nmt::load_config(std::string(NMT_SOURCE_DIR) + "/configs/bible-es-en/" + arch + ".yaml");
  };
  const nmt::Config rnn = load("rnn"), bahdanau = load("bahdanau"), transformer = load("transformer");
  // The comparison's premise: the same corpus and subword vocabulary for all three.
  for (const nmt::Config* c : {&bahdanau, &transformer}) {
    INFO(c->name);
    CHECK(c->tokenizer.vocab_size == rnn.tokenizer.vocab_size);
    CHECK(c->tokenizer.model_type == rnn.tokenizer.model_type);
    CHECK(c->data.train.src == rnn.data.train.src);
    CHECK(c->data.train.tgt == rnn.data.train.tgt);
    CHECK(c->data.test.src == rnn.data.test.src);
    CHECK(c->data.max_len == rnn.data.max_len);
    CHECK(c->train.batch_tokens == rnn.train.batch_tokens);
    CHECK(c->train.schedule == rnn.train.schedule);
    CHECK(c->train.validations == rnn.train.validations);
  }
  // Without attention, and otherwise the same RNN trained the same way.
  CHECK(rnn.rnn().cell() == bahdanau.bahdanau().cell());
  CHECK(rnn.rnn().emb_dim() == bahdanau.bahdanau().emb_dim());
  CHECK(rnn.rnn().hidden() == bahdanau.bahdanau().hidden());
  CHECK(rnn.rnn().dropout() == bahdanau.bahdanau().dropout());
  CHECK(rnn.train.lr == bahdanau.train.lr);
  CHECK(rnn.train.warmup == bahdanau.train.warmup);
  CHECK(rnn.train.label_smoothing == bahdanau.train.label_smoothing);
}

TEST_CASE("choices are enums: a bad word lists the valid ones", "[config]") {
  std::string msg = error_of(replace(kValid, "  max_steps: 10\n", "  max_steps: 10\n  schedule: cosine\n"));
  CHECK_THAT(msg, Contains("train.schedule: expected one of noam|constant|plateau|linear, got \"cosine\""));
  nmt::Config c = nmt::load_config(write_tmp(kValid), {"train.schedule=plateau", "model.norm=post"});
  CHECK(c.train.schedule == nmt::ScheduleKind::Plateau);
  CHECK(c.transformer().norm() == nmt::NormPosition::Post);
  CHECK(nmt::to_yaml(c).find("schedule: plateau") != std::string::npos);
}

TEST_CASE("decoding options are checked by the same rules the search uses", "[config]") {
  std::string msg = error_of(std::string(kValid) + "decode:\n  beam_size: 2\n  nbest: 3\n  length_penalty: -1\n");
  CHECK_THAT(msg, Contains("decode.nbest: must be <= beam_size (3 > 2)"));
  CHECK_THAT(msg, Contains("decode.length_penalty: must be >= 0, got -1"));
  nmt::DecodingOptions d;
  d.beam_size = 2;
  d.nbest = 3;
  CHECK_THROWS_WITH(nmt::validate_decoding_options(d), Contains("decode.nbest: must be <= beam_size (3 > 2)"));
}

TEST_CASE("language codes are optional and round-trip", "[config]") {
  nmt::Config c = nmt::load_config(write_tmp(kValid), {"data.src_lang=es", "data.tgt_lang=en"});
  CHECK(c.data.src_lang == "es");
  CHECK(c.data.tgt_lang == "en");
  CHECK(nmt::parse_config_text(nmt::to_yaml(c), "x").data.tgt_lang == "en");
  CHECK(nmt::load_config(write_tmp(kValid)).data.src_lang.empty());
  CHECK(nmt::load_config(write_tmp(kValid), {"data.src_lang=es", "data.tgt_lang=pt-BR"}).data.tgt_lang == "pt-BR");
}

TEST_CASE("language codes are BCP 47-like and set together", "[config]") {
  CHECK_THAT(error_of(kValid, {"data.src_lang=es"}), Contains("data.tgt_lang: set both src_lang and tgt_lang"));
  for (const char* bad : {"e", "spanish", "es_ES", "es-", "1a"})
    CHECK_THAT(error_of(kValid, {std::string("data.src_lang=") + bad, "data.tgt_lang=en"}),
               Contains("data.src_lang: expected a language code"));
  nmt::Config bible = nmt::load_config(std::string(NMT_SOURCE_DIR) + "/configs/bible-es-en/transformer.yaml");
  CHECK(bible.data.src_lang == "es");
  CHECK(bible.data.tgt_lang == "en");
}
