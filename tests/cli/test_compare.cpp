// nmt compare on a toy task with a tiny budget: trains three models, evaluates them, and
// writes a report whose SVGs are well-formed and whose sections are all filled.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <sstream>

#include "cli/run.h"

using Catch::Matchers::Contains;
using nmt_test::run_nmt;
namespace fs = std::filesystem;
using nmt_test::slurp;

namespace {


void write_config(const fs::path& w, const std::string& arch, const std::string& model_keys) {
  std::ofstream(w / (arch + ".yaml"))
      << "name: toy-" << arch << "\n"
      << "data:\n"
      << "  train: {src: " << (w / "data/train.src").string() << ", tgt: " << (w / "data/train.tgt").string() << "}\n"
      << "  dev: {src: " << (w / "data/dev.src").string() << ", tgt: " << (w / "data/dev.tgt").string() << "}\n"
      << "  test: {src: " << (w / "data/test.src").string() << ", tgt: " << (w / "data/test.tgt").string() << "}\n"
      << "tokenizer: {type: word, vocab_size: 64}\n"
      << "model: {arch: " << arch << ", " << model_keys << "}\n"
      << "train: {max_steps: 40, validate_every: 20, save_every: 20, log_every: 10, batch_tokens: 400,\n"
      << "        lr: 0.003, schedule: constant, warmup: 0, seed: 1}\n"
      << "decode: {batch_size: 16}\n"
      << "output: " << (w / ("models/" + arch)).string() << "\n";
}

}  // namespace

TEST_CASE("compare trains three models and writes a complete report", "[e2e][compare]") {
  fs::path w = fs::temp_directory_path() / ("nmt_test_compare_" + std::to_string(::getpid()));
  fs::remove_all(w);
  fs::create_directories(w);
  auto d = run_nmt("data synthetic --task reverse --out " + (w / "data").string() +
                   " --train 600 --dev 20 --test 30 --min-len 3 --max-len 14 --vocab 10 --seed 2");
  REQUIRE(d.code == 0);
  write_config(w, "rnn", "emb_dim: 16, hidden: 32, dropout: 0.0");
  write_config(w, "bahdanau", "emb_dim: 16, hidden: 32, attn_dim: 16, dropout: 0.0");
  write_config(w, "transformer", "d_model: 32, heads: 2, ffn: 64, enc_layers: 1, dec_layers: 1, dropout: 0.0");
  fs::path out = w / "report";
  auto r = run_nmt("--threads 2 compare -c " + (w / "rnn.yaml").string() + " -c " + (w / "bahdanau.yaml").string() +
                   " -c " + (w / "transformer.yaml").string() + " --beam-size 2 --out " + out.string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("report.html"));
  REQUIRE(fs::exists(out / "report.html"));
  REQUIRE(fs::exists(out / "report.md"));
  std::string html = slurp(out / "report.html");
  for (const char* s : {"toy-rnn", "toy-bahdanau", "toy-transformer", "Bahdanau alignment",
                        "Transformer head 1", "<svg", "compare -c"})
    CHECK_THAT(html, Contains(s));
  int svgs = 0;
  for (auto& e : fs::directory_iterator(out)) {
    if (e.path().extension() != ".svg") continue;
    ++svgs;
    INFO(e.path().string());
    CHECK(std::system(("xmllint --noout '" + e.path().string() + "'").c_str()) == 0);
  }
  CHECK(svgs >= 5);  // bleu by length, curves, heatmaps

  // Reusing trained models instead of training.
  auto again = run_nmt("compare --models " + (w / "models/rnn").string() + " --models " +
                       (w / "models/transformer").string() + " --beam-size 1 --out " + (w / "report2").string());
  INFO(again.out);
  CHECK(again.code == 0);
  CHECK(fs::exists(w / "report2/report.html"));
  // Training into a directory that holds a model is refused, nothing overwritten.
  auto refused = run_nmt("compare -c " + (w / "rnn.yaml").string() + " --out " + (w / "report3").string());
  CHECK(refused.code == 2);
  CHECK_THAT(refused.out, Contains("--models"));
  // Two configs that would train into one directory are refused before any training.
  auto twice = run_nmt("compare -c " + (w / "rnn.yaml").string() + " -c " + (w / "rnn.yaml").string() +
                       " --models-dir " + (w / "more").string() + " --out " + (w / "report4").string());
  CHECK(twice.code == 2);
  CHECK_THAT(twice.out, Contains("both train into"));
  CHECK_FALSE(fs::exists(w / "more"));
  // --models-dir keeps the earlier model and trains into DIR/<name>.
  auto elsewhere = run_nmt("compare -c " + (w / "rnn.yaml").string() + " --models-dir " + (w / "more").string() +
                           " --beam-size 1 --out " + (w / "report5").string());
  INFO(elsewhere.out);
  CHECK(elsewhere.code == 0);
  CHECK(fs::exists(w / "more/toy-rnn/config.yaml"));
  CHECK(fs::exists(w / "report5/report.html"));
}
