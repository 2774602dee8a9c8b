// `nmt train` and `nmt info` through the CLI: exit codes, refusing to overwrite saved work,
// --resume, Ctrl-C. They fail when the nmt binary has not been built.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "cli/run.h"
#include "nmt/util/json.h"
#include "training/toy.h"

using Catch::Matchers::Contains;
using nmt_test::run_nmt;
namespace fs = std::filesystem;
using nmt_test::slurp;

namespace {
// The tests run the real binary; a missing one is a failure, never a silent pass.
void require_binary() {
  INFO("nmt binary " << NMT_BINARY);
  REQUIRE(fs::exists(NMT_BINARY));
}
}  // namespace

TEST_CASE("nmt train: bad config exits 2, reruns need --resume, info shows the state", "[training][cli]") {
  require_binary();
  nmt_test::TempDir dir("cli");
  std::string data = nmt_test::write_toy_data(dir, 100);
  std::string out = (dir.path / "model").string();
  fs::path cfg = dir.path / "toy.yaml";
  std::ofstream(cfg) << nmt_test::toy_yaml(data, out, "rnn");
  fs::path bad = dir.path / "bad.yaml";
  std::ofstream(bad) << nmt_test::toy_yaml(data, out, "rnn") << "bogus_section: 1\n";

  auto r = run_nmt("train -c " + bad.string());
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Contains("bogus_section"));
  r = run_nmt("train -c " + cfg.string() + " --set train.lr=-1");
  CHECK(r.code == 2);

  r = run_nmt("--threads 2 train -c " + cfg.string() + " --set train.max_steps=3");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("max_steps"));
  r = run_nmt("train -c " + cfg.string() + " --set train.max_steps=6");
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Contains("--resume"));
  r = run_nmt("--threads 2 train -c " + cfg.string() + " --resume --set train.max_steps=6");
  REQUIRE(r.code == 0);
  auto st = nmt::parse_json(slurp(fs::path(out) / "train_state.json"), "train_state.json");
  CHECK(st.at("step") == 6);

  r = run_nmt("info -m " + out);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Contains("parameters:"));
  CHECK_THAT(r.out, Contains("best.pt"));
  CHECK_THAT(r.out, Contains("arch: rnn"));
  r = run_nmt("info -m " + (dir.path / "missing").string());
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Contains("does not exist"));
}

TEST_CASE("nmt train: Ctrl-C and SIGTERM save last.pt + state and exit 0", "[training][cli]") {
  require_binary();
  for (const std::string sig : {"INT", "TERM"}) {
    INFO("SIG" << sig);
    nmt_test::TempDir dir("sig" + sig);
    std::string data = nmt_test::write_toy_data(dir, 200);
    std::string out = (dir.path / "model").string();
    fs::path cfg = dir.path / "toy.yaml";
    std::ofstream(cfg) << nmt_test::toy_yaml(data, out, "rnn");
    std::string cmd = "cd '" + dir.str() + "' && ('" + std::string(NMT_BINARY) + "' --threads 1 train -c " +
                      cfg.string() + " --set train.max_steps=1000000 --set train.save_every=100000" +
                      " >log.txt 2>&1 & pid=$!; for i in $(seq 600); do grep -q '^.*step 3 epoch' log.txt && break;"
                      " sleep 0.1; done; kill -" + sig + " $pid; wait $pid; echo $?)";  // once steps are logged
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[64] = {};
    REQUIRE(fgets(buf, sizeof(buf), p));
    pclose(p);
    INFO(slurp(dir.path / "log.txt"));
    CHECK(std::string(buf) == "0\n");
    CHECK(fs::exists(fs::path(out) / "last.pt"));
    CHECK(fs::exists(fs::path(out) / "train_state.pt"));
    CHECK_THAT(slurp(dir.path / "log.txt"), Contains("interrupted"));
    // What was saved resumes.
    auto r = run_nmt("--threads 1 train -c " + cfg.string() + " --resume --set train.max_steps=" +
                     std::to_string(nmt::parse_json(slurp(fs::path(out) / "train_state.json"), "json").at("step").get<int>() + 1));
    INFO(r.out);
    CHECK(r.code == 0);
  }
}
