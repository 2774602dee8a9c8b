// Data-parallel training on c10d/Gloo with two local processes, through the nmt binary:
// gradient equivalence with one process, learning, worker failure, resume.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli/run.h"
#include "nmt/training/metrics_log.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/json.h"
#include "training/toy.h"

using Catch::Matchers::Contains;
using nmt_test::run_nmt;
namespace fs = std::filesystem;
using nmt_test::slurp;

namespace {


// Runs a bash script (from a file, so quoting inside is free) and returns its output.
std::string bash(const nmt_test::TempDir& dir, const std::string& name, const std::string& script) {
  const fs::path file = dir.path / (name + ".sh");
  std::ofstream(file) << "set -u\ncd '" << dir.str() << "'\nNMT='" << NMT_BINARY << "'\n" << script << "\n";
  FILE* p = popen(("bash '" + file.string() + "' 2>&1").c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// The toy config (tiny Transformer on the reverse task) with `sets` applied, written to disk.
fs::path write_config(const nmt_test::TempDir& dir, const std::string& name, const std::string& data,
                      const std::string& extra_train = "") {
  fs::path cfg = dir.path / (name + ".yaml");
  std::string yaml = nmt_test::toy_yaml(data, (dir.path / name).string(), "transformer");
  if (!extra_train.empty()) yaml.replace(yaml.find("train:\n") + 7, 0, extra_train);
  std::ofstream(cfg) << yaml;
  return cfg;
}

// Largest difference between the last.pt weights of two model directories.
double max_param_diff(const fs::path& a, const fs::path& b) {
  auto ma = nmt::load_model_dir(a.string(), torch::kCPU, "last"), mb = nmt::load_model_dir(b.string(), torch::kCPU, "last");
  auto pa = ma.model->named_parameters(), pb = mb.model->named_parameters();
  REQUIRE(pa.size() == pb.size());
  REQUIRE(pa.size() > 0);
  double d = 0;
  for (const auto& item : pa) {
    const torch::Tensor* other = pb.find(item.key());
    REQUIRE(other != nullptr);
    d = std::max(d, (item.value() - *other).abs().max().item<double>());
  }
  return d;
}

std::vector<nmt::Json> train_records(const fs::path& model) {
  std::vector<nmt::Json> out;
  for (auto& r : nmt::read_metrics_log((model / "metrics.jsonl").string()))
    if (r.at("type") == "train") out.push_back(r);
  return out;
}

}  // namespace

TEST_CASE("dist: 2 ranks x batch B give the parameters of 1 rank x the same 2B batch", "[training][dist][e2e]") {
  nmt_test::TempDir dir("dist-equiv");
  const std::string data = nmt_test::write_toy_data(dir, 400);
  // No dropout (the ranks draw their own masks); 6 steps; a save at the end only.
  const std::string common = " --set model.dropout=0 --set train.max_steps=6 --set train.validate_every=100"
                             " --set train.save_every=100 --set train.lr=0.01";
  const fs::path two = write_config(dir, "two", data), one = write_config(dir, "one", data);
  auto r2 = run_nmt("--threads 1 train -c " + two.string() + common + " --nproc-per-node 2");
  INFO(r2.out);
  REQUIRE(r2.code == 0);
  CHECK_THAT(r2.out, Contains("data-parallel: 2 processes (gloo)"));
  CHECK_THAT(r2.out, Contains("= up to 400 target tokens per step"));
  auto r1 = run_nmt("--threads 1 train -c " + one.string() + common + " --set train.accum_steps=2");
  INFO(r1.out);
  REQUIRE(r1.code == 0);
  // The same global batches, the same normalisation: the same parameters and losses.
  CHECK(max_param_diff(dir.path / "two", dir.path / "one") < 1e-5);
  auto a = train_records(dir.path / "two"), b = train_records(dir.path / "one");
  REQUIRE(a.size() == 6);
  REQUIRE(b.size() == 6);
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(std::abs(a[i].at("loss").get<double>() - b[i].at("loss").get<double>()) < 1e-5);
    CHECK(a[i].at("lr").get<double>() == b[i].at("lr").get<double>());
  }
  // One writer: the two-process model directory holds just what a one-process run writes.
  auto names = [](const fs::path& d) {
    std::set<std::string> s;
    for (const auto& e : fs::directory_iterator(d)) s.insert(e.path().filename().string());
    return s;
  };
  CHECK(names(dir.path / "two") == names(dir.path / "one"));
}

TEST_CASE("dist: a two-process run learns to reverse, and its model directory translates", "[training][dist][e2e]") {
  nmt_test::TempDir dir("dist-learn");
  const std::string data = nmt_test::write_toy_data(dir, 1000);
  const fs::path cfg = write_config(dir, "model", data);
  auto r = run_nmt("--threads 1 train -c " + cfg.string() +
                   " --nproc-per-node 2 --set model.dropout=0 --set train.max_steps=400 --set train.validate_every=200"
                   " --set train.save_every=200 --set train.log_every=50 --set train.label_smoothing=0"
                   " --set train.val_max_sentences=20");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("stopped:      max_steps after 400 steps"));
  const fs::path model = dir.path / "model";
  for (const char* f : {"config.yaml", "vocab.txt", "best.pt", "last.pt", "train_state.pt", "metrics.jsonl"})
    CHECK(fs::exists(model / f));
  auto st = nmt::parse_json(slurp(model / "train_state.json"), "train_state.json");
  CHECK(st.at("world_size") == 2);
  // Translate the dev sources: most come out exactly reversed.
  const fs::path out = dir.path / "hyps.txt";
  auto t = run_nmt("translate -m " + model.string() + " -i " + data + "/dev.src -k 1 -o " + out.string());
  INFO(t.out);
  REQUIRE(t.code == 0);
  std::istringstream hyps(slurp(out)), refs(slurp(fs::path(data) / "dev.tgt"));
  std::string h, ref;
  int total = 0, exact = 0;
  while (std::getline(refs, ref) && std::getline(hyps, h)) {
    ++total;
    exact += h == ref;
  }
  CHECK(total == 20);
  CHECK(exact >= 18);  // 20 of 20 when measured
}

TEST_CASE("dist: when a worker dies the other exits non-zero, naming it, the checkpoint stays loadable",
          "[training][dist][e2e]") {
  nmt_test::TempDir dir("dist-kill");
  const std::string data = nmt_test::write_toy_data(dir, 400);
  const fs::path cfg = write_config(dir, "model", data);
  const std::string vars = "CFG='" + cfg.string() + "'\n"
                           "TRAIN=\"--threads 1 train -c $CFG --set train.max_steps=1000000 --set train.save_every=5\"\n";
  // Launched by hand (any launcher): rank 0 opens the store on a free port and reports it.
  const std::string out = bash(dir, "kill", vars + R"SH(
export WORLD_SIZE=2 MASTER_ADDR=127.0.0.1
RANK=0 MASTER_PORT=0 "$NMT" $TRAIN --set train.dist_timeout=60 > r0.log 2>&1 & p0=$!
for i in $(seq 1200); do grep -q 'listening on' r0.log && break; sleep 0.1; done
port=$(grep -o 'listening on 127.0.0.1:[0-9]*' r0.log | head -1 | sed 's/.*://')
RANK=1 MASTER_PORT=$port "$NMT" $TRAIN --set train.dist_timeout=60 > r1.log 2>&1 & p1=$!
for i in $(seq 1200); do grep -q '^.*step 12 epoch' r0.log && break; sleep 0.1; done
kill -9 $p1
t0=$(date +%s%N)
wait $p0; rc=$?
t1=$(date +%s%N)
echo "rank0_rc=$rc ms=$(( (t1 - t0) / 1000000 ))"
)SH");
  INFO(out);
  INFO(slurp(dir.path / "r0.log"));
  REQUIRE_THAT(out, Contains("rank0_rc="));
  CHECK_THAT(out, !Contains("rank0_rc=0 "));
  const long ms = std::stol(out.substr(out.find("ms=") + 3));
  CHECK(ms < 60000);  // well within train.dist_timeout: a dead peer is noticed at once
  CHECK_THAT(slurp(dir.path / "r0.log"), Contains("rank 1 stopped"));
  // The last checkpoint written before the failure loads.
  auto lm = nmt::load_model_dir((dir.path / "model").string(), torch::kCPU, "last");
  CHECK(lm.model->parameter_count() > 0);

  // Under the launcher: a killed worker makes `nmt train --nproc-per-node` stop the rest and
  // exit non-zero, naming the worker.
  const std::string launched = bash(dir, "launched", vars + R"SH(
"$NMT" $TRAIN --set output=launched --nproc-per-node 2 > l.log 2>&1 & p=$!
for i in $(seq 1200); do grep -q '^.*step 12 epoch' l.log && break; sleep 0.1; done
kill -9 $(pgrep -P $p | tail -1)
wait $p; echo "launcher_rc=$?"
)SH");
  INFO(launched);
  INFO(slurp(dir.path / "l.log"));
  CHECK_THAT(launched, Contains("launcher_rc=1"));
  CHECK_THAT(slurp(dir.path / "l.log"), Contains("was killed by signal 9"));
  CHECK_THAT(slurp(dir.path / "l.log"), Contains("data-parallel training failed: worker rank"));

  // A rank whose peers never come: it gives up after train.dist_timeout, saying why.
  const std::string lonely = bash(dir, "lonely", vars + R"SH(
t0=$(date +%s%N)
RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=9 "$NMT" $TRAIN --set train.dist_timeout=3; rc=$?
t1=$(date +%s%N)
echo "rc=$rc ms=$(( (t1 - t0) / 1000000 ))"
)SH");
  INFO(lonely);
  CHECK_THAT(lonely, Contains("rc=1 "));
  CHECK_THAT(lonely, Contains("cannot reach the rendezvous store at 127.0.0.1:9"));
  CHECK(std::stol(lonely.substr(lonely.find("ms=") + 3)) < 30000);
}

TEST_CASE("dist: a resumed two-process run continues its steps, losses and LR curve exactly", "[training][dist][e2e]") {
  nmt_test::TempDir dir("dist-resume");
  const std::string data = nmt_test::write_toy_data(dir, 400);
  // Dropout on: resume must restore every rank's own random stream. Noam: a curved LR.
  const std::string common = " --set train.schedule=noam --set train.warmup=4 --set train.validate_every=100"
                             " --set train.save_every=100 --nproc-per-node 2";
  const fs::path full = write_config(dir, "full", data), half = write_config(dir, "half", data);
  auto a = run_nmt("--threads 1 train -c " + full.string() + common + " --set train.max_steps=8");
  INFO(a.out);
  REQUIRE(a.code == 0);
  auto b = run_nmt("--threads 1 train -c " + half.string() + common + " --set train.max_steps=4");
  INFO(b.out);
  REQUIRE(b.code == 0);
  // Another world size is refused, saying why and what to do.
  auto c = run_nmt("--threads 1 train -c " + half.string() + " --resume --set train.max_steps=8");
  CHECK(c.code == 2);
  CHECK_THAT(c.out, Contains("trained by 2 processes and this run has 1"));
  c = run_nmt("--threads 1 train -c " + half.string() + " --resume --set train.max_steps=8" + common);
  INFO(c.out);
  REQUIRE(c.code == 0);
  CHECK_THAT(c.out, Contains("4 steps this run, 8 in total"));
  auto ra = train_records(dir.path / "full"), rc = train_records(dir.path / "half");
  REQUIRE(ra.size() == 8);
  REQUIRE(rc.size() == 8);
  for (size_t i = 0; i < ra.size(); ++i) {
    CHECK(rc[i].at("step") == ra[i].at("step"));
    CHECK(rc[i].at("lr").get<double>() == Approx(ra[i].at("lr").get<double>()).epsilon(1e-12));
    CHECK(std::abs(rc[i].at("loss").get<double>() - ra[i].at("loss").get<double>()) < 1e-6);
  }
  CHECK(max_param_diff(dir.path / "full", dir.path / "half") < 1e-6);
}
