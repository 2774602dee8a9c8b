// Model directories for inference: step checkpoints (train.keep_checkpoints), checkpoint
// averaging (nmt average) and ensembles loaded from several directories.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "nmt/decoding/translator.h"
#include "nmt/models/factory.h"
#include "nmt/training/average.h"
#include "nmt/training/checkpoint.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/step_checkpoints.h"
#include "nmt/training/trainer.h"
#include "nmt/util/error.h"
#include "nmt/util/json.h"
#include "training/toy.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using nmt_test::TempDir;

namespace {

// Trains a toy model into dir/<name>, saving and validating every 2 steps and keeping 3 step
// checkpoints; `sets` come last and win.
std::string train_toy(const TempDir& dir, const std::string& data, const std::string& name,
                      const std::string& arch = "transformer", std::vector<std::string> sets = {}) {
  const std::string out = (dir.path / name).string();
  sets.insert(sets.begin(),
              {"train.max_steps=10", "train.save_every=2", "train.validate_every=2", "train.keep_checkpoints=3"});
  nmt::train_model(nmt_test::toy_config(data, out, arch, sets), nmt::TrainOptions{});
  return out;
}

std::vector<int64_t> steps_of(const std::string& dir) {
  std::vector<int64_t> s;
  for (const auto& c : nmt::list_step_checkpoints(dir)) s.push_back(c.step);
  return s;
}

std::vector<std::string> translate(const nmt::LoadedModel& lm, const std::vector<std::string>& lines) {
  nmt::SearchOptions so = nmt::search_options(lm.config.decode);
  nmt::Translator tr(lm.model, lm.tokenizers, so, 4, torch::kCPU, 0);
  std::vector<std::string> out;
  for (const auto& t : tr.translate(lines)) out.push_back(t.text);
  return out;
}

nmt::Seq2Seq load_step(const nmt::LoadedModel& like, const std::string& dir, int64_t step) {
  auto m = nmt::make_model(like.config.model, like.tokenizers.src->vocab_size(), like.tokenizers.tgt->vocab_size());
  nmt::load_weights(*m, nmt::step_checkpoint_path(dir, step), torch::kCPU);
  return m;
}

const std::vector<std::string> kLines{"a1 a2 a3", "a4 a5 a6 a7", "a0 a1 a2 a3 a4", "a5"};

// A second toy corpus with another vocabulary (6 words, write_toy_data has 8), in data2/.
std::string write_other_vocab_data(const TempDir& dir) {
  nmt::SyntheticOptions o;
  o.task = "reverse";
  o.train = 200;
  o.dev = 20;
  o.test = 20;
  o.vocab = 6;
  o.seed = 9;
  const std::string other = (dir.path / "data2").string();
  nmt::write_synthetic(o, other);
  return other;
}

}  // namespace

TEST_CASE("keep_checkpoints keeps the newest K step checkpoints, and a resumed run drops newer ones",
          "[training][average]") {
  torch::set_num_threads(2);
  TempDir dir("keep");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const std::string run = train_toy(dir, data, "run", "rnn", {"train.max_steps=4", "train.validate_every=100"});
  CHECK(steps_of(run) == std::vector<int64_t>{2, 4});
  // step-4.pt holds what last.pt holds (the same save).
  CHECK(nmt::read_checkpoint(nmt::step_checkpoint_path(run, 4)).bytes == nmt::read_checkpoint(run + "/last.pt").bytes);
  // A checkpoint from past last.pt (a run this one does not continue) must not survive a resume.
  fs::copy_file(nmt::step_checkpoint_path(run, 4), nmt::step_checkpoint_path(run, 8));
  std::ofstream(run + "/step-x.pt") << "not a step checkpoint";
  nmt::TrainOptions resume;
  resume.resume = true;
  nmt::train_model(nmt_test::toy_config(data, run, "rnn",
                                        {"train.max_steps=10", "train.save_every=2", "train.validate_every=100",
                                         "train.keep_checkpoints=3"}),
                   resume);
  CHECK(steps_of(run) == std::vector<int64_t>{6, 8, 10});
  CHECK(fs::exists(run + "/step-x.pt"));  // not ours: left alone
  // Without keep_checkpoints, no step files.
  const std::string plain = train_toy(dir, data, "plain", "rnn",
                                      {"train.max_steps=4", "train.validate_every=100", "train.keep_checkpoints=0"});
  CHECK(steps_of(plain).empty());
}

TEST_CASE("average --last/--best: the mean of the chosen step checkpoints, as a complete model directory",
          "[training][average]") {
  torch::set_num_threads(2);
  TempDir dir("average");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const std::string run = train_toy(dir, data, "run");
  REQUIRE(steps_of(run) == std::vector<int64_t>{6, 8, 10});

  // The average of a checkpoint with itself is that checkpoint, exactly.
  const auto last1 = nmt::last_checkpoints(run, 1);
  REQUIRE(last1.size() == 1);
  CHECK(last1[0].step == 10);
  const std::string self = (dir.path / "self").string();
  nmt::average_checkpoints({last1[0], last1[0]}, self, "last");
  auto a = nmt::load_model_dir(run, torch::kCPU, "last"), b = nmt::load_model_dir(self, torch::kCPU);
  auto pb = b.model->named_parameters();
  for (const auto& p : a.model->named_parameters()) {
    INFO(p.key());
    CHECK(torch::equal(p.value(), pb[p.key()]));
  }
  CHECK(translate(a, kLines) == translate(b, kLines));

  // Of two, the element-wise mean.
  const auto last2 = nmt::last_checkpoints(run, 2);
  REQUIRE(last2.size() == 2);
  CHECK(last2[0].step == 10);
  CHECK(last2[1].step == 8);
  const std::string avg = (dir.path / "avg").string();
  const auto r = nmt::average_checkpoints(last2, avg, "last");
  CHECK(r.sources.size() == 2);
  CHECK(r.tensors > 0);
  auto m8 = load_step(a, run, 8), m10 = load_step(a, run, 10);
  auto p8 = m8->named_parameters(), p10 = m10->named_parameters();
  auto averaged = nmt::load_model_dir(avg, torch::kCPU);
  bool moved = false;
  for (const auto& p : averaged.model->named_parameters()) {
    INFO(p.key());
    CHECK(torch::allclose(p.value(), (p8[p.key()] + p10[p.key()]) / 2, 1e-6, 1e-7));
    moved = moved || !torch::equal(p8[p.key()], p10[p.key()]);
  }
  CHECK(moved);  // the two checkpoints differ, so this tested a mean
  for (const char* f : {"config.yaml", "vocab.txt", "best.pt", "average.json"}) CHECK(fs::exists(fs::path(avg) / f));
  CHECK(averaged.config.output == avg);
  const nmt::Json rec = nmt::read_json_file(avg + "/average.json");
  CHECK(rec.at("method") == "last");
  CHECK(rec.at("checkpoints").size() == 2);
  CHECK(translate(averaged, kLines).size() == kLines.size());

  // --best: by the dev metric in metrics.jsonl (bleu: higher first).
  const auto best = nmt::best_checkpoints(run, 2);
  REQUIRE(best.size() == 2);
  REQUIRE(best[0].dev_metric);
  REQUIRE(best[1].dev_metric);
  CHECK(*best[0].dev_metric >= *best[1].dev_metric);
  for (const auto& c : best) CHECK((c.step == 6 || c.step == 8 || c.step == 10));

  CHECK_THROWS_WITH(nmt::last_checkpoints(run, 4), Contains("keep_checkpoints >= 4"));
  CHECK_THROWS_WITH(nmt::best_checkpoints(run, 4), Contains("fewer than the 4"));
  CHECK_THROWS_WITH(nmt::average_checkpoints(last2, avg, "last"), Contains("not empty"));  // never overwrites
  // Training into an averaged directory is refused.
  CHECK_THROWS_WITH(nmt::Trainer(nmt_test::toy_config(data, avg, "transformer"), nmt::TrainOptions{}),
                    Contains("averaged"));
}

TEST_CASE("averaging refuses other architectures, shapes and vocabularies, naming the difference",
          "[training][average]") {
  torch::set_num_threads(2);
  TempDir dir("average-refuse");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const std::vector<std::string> quick{"train.max_steps=2", "train.validate_every=100", "train.keep_checkpoints=0"};
  auto with = [&](std::vector<std::string> s, const std::string& extra) {
    s.push_back(extra);
    return s;
  };
  const std::string t = train_toy(dir, data, "t", "transformer", quick);
  const std::string t2 = train_toy(dir, data, "t2", "transformer", with(quick, "model.dropout=0.3"));
  const std::string r = train_toy(dir, data, "r", "rnn", quick);
  const std::string wide = train_toy(dir, data, "wide", "transformer", with(quick, "model.ffn=96"));
  const std::string other = write_other_vocab_data(dir);
  const std::string vocab = train_toy(dir, other, "vocab", "transformer", quick);
  const std::string out = (dir.path / "out").string();
  auto avg = [&](const std::string& x, const std::string& y) {
    return nmt::average_checkpoints(nmt::model_checkpoints({x, y}, "last"), out, "models");
  };
  CHECK_THROWS_WITH(avg(t, r), Contains("different architectures") && Contains("model.arch is transformer"));
  CHECK_THROWS_WITH(avg(t, wide), Contains("model.ffn is 64") && Contains("96"));
  CHECK_THROWS_WITH(avg(t, vocab), Contains("must share the source vocabulary"));
  CHECK_FALSE(fs::exists(out));  // nothing written
  // Dropout does not change the network: two runs that differ only in it average.
  CHECK(avg(t, t2).sources.size() == 2);
  fs::remove_all(out);
  // Same config, one file of another shape (a stray checkpoint): the tensor is named.
  fs::copy_file(wide + "/last.pt", t + "/step-99.pt");
  fs::copy_file(t + "/last.pt", t + "/step-98.pt");
  CHECK_THROWS_WITH(nmt::average_checkpoints(nmt::last_checkpoints(t, 2), out, "last"), Contains("has shape"));
  CHECK_FALSE(fs::exists(out));
  // A damaged checkpoint is an IoError naming it; nothing is written.
  std::ofstream(t + "/step-97.pt") << "garbage";
  CHECK_THROWS_AS(nmt::average_checkpoints({{t, t + "/step-97.pt"}, {t, t + "/last.pt"}}, out, "models"),
                  nmt::IoError);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("load_models: one directory is the model, several an ensemble sharing the vocabularies",
          "[training][ensemble]") {
  torch::set_num_threads(2);
  TempDir dir("ensemble");
  const std::string data = nmt_test::write_toy_data(dir, 200);
  const std::vector<std::string> quick{"train.max_steps=4", "train.validate_every=100", "train.keep_checkpoints=0"};
  const std::string t = train_toy(dir, data, "t", "transformer", quick);
  const std::string b = train_toy(dir, data, "b", "bahdanau", quick);
  auto single = nmt::load_models({t}, torch::kCPU);
  CHECK(single.model->arch() == "transformer");
  auto ens = nmt::load_models({t, b}, torch::kCPU, "best", {0.7, 0.3});
  CHECK(ens.model->arch() == "ensemble");
  CHECK_FALSE(ens.model->is_training());
  CHECK_THAT(ens.weights, Contains(",") && Contains(b));
  CHECK(translate(ens, kLines).size() == kLines.size());
  // The same model twice translates as the model.
  CHECK(translate(nmt::load_models({t, t}, torch::kCPU), kLines) == translate(single, kLines));
  CHECK_THROWS_WITH(nmt::load_models({t, b}, torch::kCPU, "best", {1.0}), Contains("one weight per -m"));

  const std::string other = write_other_vocab_data(dir);
  const std::string v = train_toy(dir, other, "v", "rnn", quick);
  CHECK_THROWS_WITH(nmt::load_models({t, v}, torch::kCPU), Contains("must share the target vocabulary"));
}
