// End-to-end training on a tiny reverse task: loss goes down, resume reproduces the
// uninterrupted run exactly, saved work is never overwritten, model directories load.
#include <catch2/catch.hpp>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "nmt/training/metrics_log.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/trainer.h"
#include "nmt/util/error.h"
#include "nmt/util/logging.h"
#include "training/toy.h"

namespace fs = std::filesystem;
using nmt_test::TempDir;

namespace {
std::vector<nmt::Json> read_jsonl(const fs::path& p) { return nmt::read_metrics_log(p.string()); }

// Raises a stop flag when a log line starts with `prefix` (an interruption at a known step).
class StopOnLog : public spdlog::sinks::base_sink<std::mutex> {
 public:
  StopOnLog(std::atomic<bool>* flag, std::string prefix) : flag_(flag), prefix_(std::move(prefix)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& m) override {
    if (std::string(m.payload.data(), m.payload.size()).rfind(prefix_, 0) == 0) flag_->store(true);
  }
  void flush_() override {}

 private:
  std::atomic<bool>* flag_;
  std::string prefix_;
};
}  // namespace

TEST_CASE("training lowers the loss on a toy task and writes a complete model directory", "[training][trainer]") {
  torch::set_num_threads(2);
  TempDir dir("decrease");
  std::string data = nmt_test::write_toy_data(dir);
  std::string out = (dir.path / "model").string();
  auto cfg = nmt_test::toy_config(data, out, "transformer",
                                  {"train.max_steps=60", "train.validate_every=30", "train.save_every=30",
                                   "train.log_every=10"});
  nmt::TrainOptions opt;
  auto r = nmt::train_model(cfg, opt);
  REQUIRE(r.step_losses.size() == 60);
  double first = 0, last = 0;
  for (int i = 0; i < 10; ++i) first += r.step_losses[i] / 10, last += r.step_losses[50 + i] / 10;
  INFO("first " << first << " last " << last);
  CHECK(last < 0.8 * first);
  CHECK(r.stop_reason == "max_steps");
  CHECK(r.steps == 60);
  CHECK(r.has_best);
  CHECK(r.tokens_per_s > 0);
  for (const char* f : {"config.yaml", "vocab.txt", "best.pt", "last.pt", "train_state.pt", "train_state.json",
                        "metrics.jsonl", "train.log"})
    CHECK(fs::exists(fs::path(out) / f));

  auto recs = read_jsonl(fs::path(out) / "metrics.jsonl");
  int train = 0, dev = 0;
  for (auto& rec : recs) {
    if (rec.at("type") == "train") {
      ++train;
      for (const char* k : {"step", "epoch", "wall", "loss", "ppl", "lr", "tokens_per_s"}) CHECK(rec.contains(k));
    } else {
      ++dev;
      for (const char* k : {"step", "epoch", "wall", "loss", "ppl", "bleu", "chrf"}) CHECK(rec.contains(k));
    }
  }
  CHECK(train == 6);
  CHECK(dev == 2);

  auto lm = nmt::load_model_dir(out, torch::kCPU, "best");
  CHECK(lm.config.model.arch == nmt::Arch::Transformer);
  CHECK(lm.weights == (fs::path(out) / "best.pt").string());
  CHECK_FALSE(lm.model->is_training());
  CHECK(lm.model->parameter_count() == r.parameters);
  CHECK_THROWS_AS(nmt::load_model_dir((dir.path / "nope").string(), torch::kCPU), nmt::IoError);
}

TEST_CASE("resume after an interrupted run reproduces the uninterrupted run exactly", "[training][trainer]") {
  torch::set_num_threads(2);
  TempDir dir("resume");
  std::string data = nmt_test::write_toy_data(dir);
  // Dropout on (transformer 0.1) so the RNG state matters; accumulation and a warmup too.
  std::vector<std::string> sets = {"train.accum_steps=2", "train.warmup=5", "train.max_steps=10",
                                   "train.validate_every=5", "train.save_every=5"};
  std::string one = (dir.path / "one").string(), two = (dir.path / "two").string();
  auto full = nmt::train_model(nmt_test::toy_config(data, one, "transformer", sets), nmt::TrainOptions{});
  REQUIRE(full.step_losses.size() == 10);

  auto half_sets = sets;
  half_sets.push_back("train.max_steps=5");
  auto first = nmt::train_model(nmt_test::toy_config(data, two, "transformer", half_sets), nmt::TrainOptions{});
  REQUIRE(first.steps == 5);

  // Starting again without --resume must refuse and keep the saved work.
  auto before = fs::last_write_time(fs::path(two) / "last.pt");
  CHECK_THROWS_AS(nmt::train_model(nmt_test::toy_config(data, two, "transformer", sets), nmt::TrainOptions{}),
                  nmt::Error);
  CHECK(fs::last_write_time(fs::path(two) / "last.pt") == before);

  nmt::TrainOptions resume;
  resume.resume = true;
  auto second = nmt::train_model(nmt_test::toy_config(data, two, "transformer", sets), resume);
  REQUIRE(second.steps == 10);
  REQUIRE(second.step_losses.size() == 5);
  for (size_t i = 0; i < 10; ++i) {
    double got = i < 5 ? first.step_losses[i] : second.step_losses[i - 5];
    INFO("step " << i + 1);
    CHECK(std::abs(got - full.step_losses[i]) < 1e-6);
  }
  // Same final weights, and the metrics log continues rather than restarting.
  auto a = nmt::load_model_dir(one, torch::kCPU, "last"), b = nmt::load_model_dir(two, torch::kCPU, "last");
  auto pa = a.model->parameters(), pb = b.model->parameters();
  REQUIRE(pa.size() == pb.size());
  double max_diff = 0;
  for (size_t i = 0; i < pa.size(); ++i) max_diff = std::max(max_diff, (pa[i] - pb[i]).abs().max().item<double>());
  CHECK(max_diff < 1e-6);
  auto ra = read_jsonl(fs::path(one) / "metrics.jsonl"), rb = read_jsonl(fs::path(two) / "metrics.jsonl");
  REQUIRE(ra.size() == rb.size());
  for (size_t i = 0; i < ra.size(); ++i) {
    CHECK(ra[i].at("step") == rb[i].at("step"));
    CHECK(ra[i].at("type") == rb[i].at("type"));
    if (ra[i].at("type") == "dev") CHECK(ra[i].at("bleu") == rb[i].at("bleu"));
  }
}

TEST_CASE("the stop flag ends training after the current step with last.pt saved", "[training][trainer]") {
  TempDir dir("stop");
  std::string data = nmt_test::write_toy_data(dir, 100);
  std::string out = (dir.path / "model").string();
  std::atomic<bool> stop{true};
  nmt::TrainOptions opt;
  opt.stop = &stop;
  auto r = nmt::train_model(nmt_test::toy_config(data, out, "rnn"), opt);
  CHECK(r.interrupted);
  CHECK(r.stop_reason == "interrupted");
  CHECK(fs::exists(fs::path(out) / "last.pt"));
  CHECK(fs::exists(fs::path(out) / "train_state.pt"));
  // Resuming with no saved state at all is an error too.
  nmt::TrainOptions resume;
  resume.resume = true;
  CHECK_THROWS_AS(nmt::train_model(nmt_test::toy_config(data, (dir.path / "empty").string(), "rnn"), resume),
                  nmt::Error);
}

TEST_CASE("stopping by epochs, and bad configs are ConfigErrors", "[training][trainer]") {
  TempDir dir("epochs");
  std::string data = nmt_test::write_toy_data(dir, 100);
  auto cfg = nmt_test::toy_config(data, (dir.path / "m").string(), "bahdanau",
                                  {"train.max_steps=0", "train.max_epochs=1", "train.validate_every=1000"});
  auto r = nmt::train_model(cfg, nmt::TrainOptions{});
  CHECK(r.stop_reason == "max_epochs");
  CHECK(r.steps > 0);
  CHECK(r.has_best);  // a final validation runs when the last step was not validated

  CHECK_THROWS_AS(nmt_test::toy_config(data, "x", "rnn", {"train.lr=-1"}), nmt::ConfigError);
  CHECK_THROWS_AS(nmt_test::toy_config(data, "x", "rnn", {"train.schedule=cosine"}), nmt::ConfigError);
  CHECK_THROWS_AS(nmt_test::toy_config(data, "x", "rnn", {"train.no_such_key=1"}), nmt::ConfigError);
}

TEST_CASE("an interrupted run with the linear schedule resumes on the same decay", "[training][trainer]") {
  torch::set_num_threads(2);
  TempDir dir("linear");
  std::string data = nmt_test::write_toy_data(dir);
  std::vector<std::string> sets = {"train.schedule=linear", "train.warmup=2", "train.max_steps=12",
                                   "train.lr=0.01", "train.validate_every=100", "train.save_every=100"};
  std::string one = (dir.path / "one").string(), two = (dir.path / "two").string();
  auto full = nmt::train_model(nmt_test::toy_config(data, one, "transformer", sets), nmt::TrainOptions{});
  REQUIRE(full.step_losses.size() == 12);
  // The lr of each step (log_every 1): up over 2 steps, then down to lr / 11 at step 12.
  std::vector<double> lrs;
  for (auto& rec : read_jsonl(fs::path(one) / "metrics.jsonl"))
    if (rec.at("type") == "train") lrs.push_back(rec.at("lr").get<double>());
  REQUIRE(lrs.size() == 12);
  CHECK(lrs[0] == Approx(0.005));
  CHECK(lrs[1] == Approx(0.01));
  CHECK(lrs[6] == Approx(0.01 * 6.0 / 11.0));
  CHECK(lrs[11] == Approx(0.01 / 11.0));

  // The same config, interrupted after step 7 (as by Ctrl-C), then resumed.
  std::atomic<bool> stop{false};
  auto sink = std::make_shared<StopOnLog>(&stop, "step 7 ");
  nmt::add_log_sink(sink);
  nmt::TrainOptions first_opt;
  first_opt.stop = &stop;
  auto first = nmt::train_model(nmt_test::toy_config(data, two, "transformer", sets), first_opt);
  nmt::remove_log_sink(sink);
  REQUIRE(first.interrupted);
  REQUIRE(first.steps == 7);
  nmt::TrainOptions resume;
  resume.resume = true;
  auto second = nmt::train_model(nmt_test::toy_config(data, two, "transformer", sets), resume);
  REQUIRE(second.steps == 12);
  for (size_t i = 0; i < 12; ++i) {
    double got = i < 7 ? first.step_losses[i] : second.step_losses[i - 7];
    INFO("step " << i + 1);
    CHECK(std::abs(got - full.step_losses[i]) < 1e-6);
  }
}

TEST_CASE("a time budget with the linear schedule ends in time, validating as asked", "[training][trainer]") {
  torch::set_num_threads(2);
  TempDir dir("timed");
  std::string data = nmt_test::write_toy_data(dir);
  std::string out = (dir.path / "m").string();
  // 3 seconds, 3 validations, no step or epoch limit.
  auto cfg = nmt_test::toy_config(data, out, "rnn",
                                  {"train.schedule=linear", "train.warmup=5", "train.max_steps=0",
                                   "train.max_minutes=0.05", "train.validations=3", "train.log_every=1000000"});
  auto r = nmt::train_model(cfg, nmt::TrainOptions{});
  CHECK(r.stop_reason == "max_minutes");
  CHECK(r.steps > 20);
  CHECK(r.wall_seconds < 3.0 + 3.0);  // the last step and the final validation may run past
  int dev = 0;
  std::vector<double> lrs;
  for (auto& rec : read_jsonl(fs::path(out) / "metrics.jsonl")) {
    if (rec.at("type") == "dev") ++dev;
    else lrs.push_back(rec.at("lr").get<double>());
  }
  CHECK(dev >= 2);  // two points inside the budget (one may merge when the estimate moves) and the final one
  CHECK(dev <= 3);
  // A log_every beyond the run still gives one train record (tokens/s), at a decayed lr.
  REQUIRE(lrs.size() == 1);
  CHECK(lrs[0] < 0.25 * cfg.train.lr);
}
