// `nmt average` and ensembles (`translate/evaluate -m A -m B --weights ...`) through the nmt
// binary, on the shared tiny trained model and a short run with train.keep_checkpoints.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <unistd.h>

#include "cli/run.h"
#include "common/trained_model.h"

using Catch::Matchers::Contains;
using nmt_test::count_lines;
using nmt_test::run_nmt;
using nmt_test::slurp;
using nmt_test::trained_model;
using nmt_test::work_dir;
namespace fs = std::filesystem;

namespace {

// A scratch directory of this process under the e2e work dir (test cases run in parallel).
fs::path scratch(const std::string& tag) {
  fs::path d = work_dir() / (tag + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// The translations of `src` (the output file only, not the log).
std::string translate_file(const std::string& models, const fs::path& src) {
  static int calls = 0;
  const fs::path out = work_dir() / ("avg-out-" + std::to_string(::getpid()) + "-" + std::to_string(++calls));
  auto r = run_nmt("--threads 1 translate " + models + " -i " + src.string() + " -o " + out.string());
  INFO(models << "\n" << r.out);
  REQUIRE(r.code == 0);
  std::string text = slurp(out);
  fs::remove(out);
  return text;
}

}  // namespace

TEST_CASE("average: --last/--best of a run with keep_checkpoints, several runs, and refusals", "[e2e][average]") {
  const fs::path& m = trained_model();
  const fs::path w = work_dir(), d = scratch("average");
  const std::string run = (d / "run").string();
  auto t = run_nmt("--threads 2 train -c " + (w / "cfg.yaml").string() + " --set output=" + run +
                   " --set train.max_steps=40 --set train.save_every=10 --set train.validate_every=10"
                   " --set train.log_every=10 --set train.keep_checkpoints=3");
  INFO(t.out);
  REQUIRE(t.code == 0);
  for (int step : {20, 30, 40}) CHECK(fs::exists(fs::path(run) / ("step-" + std::to_string(step) + ".pt")));
  CHECK_FALSE(fs::exists(fs::path(run) / "step-10.pt"));  // pruned to 3

  auto r = run_nmt("average -m " + run + " --last 3 --out " + (d / "last3").string());
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("averaged 3 checkpoints") && Contains("step-40.pt") && Contains("step-20.pt"));
  for (const char* f : {"config.yaml", "vocab.txt", "best.pt", "average.json"}) CHECK(fs::exists(d / "last3" / f));
  r = run_nmt("average -m " + run + " --best 2 --out " + (d / "best2").string());
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("averaged 2 checkpoints") && Contains("dev "));
  auto info = run_nmt("info -m " + (d / "best2").string());
  CHECK(info.code == 0);
  CHECK_THAT(info.out, Contains("averaged: best.pt is the mean of 2 checkpoints (best)"));
  CHECK(count_lines(translate_file("-m " + (d / "last3").string(), w / "data/test.src")) ==
        count_lines(slurp(w / "data/test.src")));

  // The mean of a model with itself is the model: the same translations.
  r = run_nmt("average -m " + m.string() + " -m " + m.string() + " --out " + (d / "self").string());
  CHECK(r.code == 0);
  CHECK(translate_file("-m " + (d / "self").string(), w / "data/test.src") ==
        translate_file("-m " + m.string(), w / "data/test.src"));

  // Refusals: exit 2, a message naming the problem, nothing written.
  r = run_nmt("average -m " + run + " --last 9 --out " + (d / "x").string());
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Contains("keep_checkpoints >= 9"));
  r = run_nmt("average -m " + run + " --out " + (d / "x").string());
  CHECK(r.code == 2);
  r = run_nmt("average -m " + run + " --last 2 --out " + (d / "last3").string());
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Contains("not empty"));
  fs::create_directories(d / "wide");  // the same model with another ffn width in its config
  for (const char* f : {"best.pt", "vocab.txt"}) fs::copy_file(m / f, d / "wide" / f);
  std::ofstream(d / "wide" / "config.yaml")
      << std::regex_replace(slurp(m / "config.yaml"), std::regex("ffn: 64"), "ffn: 96");
  r = run_nmt("average -m " + m.string() + " -m " + (d / "wide").string() + " --out " + (d / "x").string());
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Contains("model.ffn is 64") && Contains("96"));
  CHECK_FALSE(fs::exists(d / "x"));
  fs::remove_all(d);
}

TEST_CASE("translate and evaluate with an ensemble of models", "[e2e][ensemble]") {
  const fs::path& m = trained_model();
  const fs::path w = work_dir(), d = scratch("ensemble");
  const fs::path src = w / "data/test.src";
  const std::string one = translate_file("-m " + m.string(), src);
  // A model with itself is the model; weights and the old --weights best|last are accepted.
  CHECK(translate_file("-m " + m.string() + " -m " + m.string(), src) == one);
  CHECK(translate_file("-m " + m.string() + " -m " + m.string() + " --weights 0.3,0.7", src) == one);
  CHECK(translate_file("-m " + m.string() + " --weights last", src) ==
        translate_file("-m " + m.string() + " --checkpoint last", src));
  auto r = run_nmt("translate -m " + m.string() + " -m " + m.string() + " --weights 1 -i " + src.string());
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Contains("one weight per -m"));
  r = run_nmt("translate -m " + m.string() + " -m " + m.string() + " --weights 0.5,x -i " + src.string());
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Contains("--weights"));
  auto e = run_nmt("evaluate -m " + m.string() + " -m " + m.string() + " --src " + src.string() + " --ref " +
                   (w / "data/test.tgt").string() + " --beam-size 2");
  CHECK(e.code == 0);
  CHECK_THAT(e.out, Contains("BLEU = "));

  // A model with another target vocabulary cannot join.
  REQUIRE(run_nmt("data synthetic --task copy --out " + (d / "data").string() +
                  " --train 200 --dev 10 --test 10 --min-len 3 --max-len 6 --vocab 9 --seed 4")
              .code == 0);
  auto t = run_nmt("--threads 2 train -c " + (w / "cfg.yaml").string() + " --set output=" + (d / "v9").string() +
                   " --set data.train.src=" + (d / "data/train.src").string() + " --set data.train.tgt=" +
                   (d / "data/train.tgt").string() + " --set data.dev.src=" + (d / "data/dev.src").string() +
                   " --set data.dev.tgt=" + (d / "data/dev.tgt").string() +
                   " --set train.max_steps=2 --set train.validate_every=2 --set train.save_every=2");
  INFO(t.out);
  REQUIRE(t.code == 0);
  r = run_nmt("translate -m " + m.string() + " -m " + (d / "v9").string() + " -i " + src.string());
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Contains("must share the target vocabulary"));
  fs::remove_all(d);
}
