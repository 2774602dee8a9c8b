// Checkpoint files: atomic writes survive SIGKILL, weights and training state round-trip.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "nmt/training/checkpoint.h"
#include "nmt/training/metrics_log.h"
#include "nmt/util/file_io.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/error.h"
#include "training/toy.h"

namespace fs = std::filesystem;

namespace {
struct TinyImpl : torch::nn::Module {
  torch::nn::Linear a{nullptr}, b{nullptr};
  TinyImpl() {
    a = register_module("a", torch::nn::Linear(3, 4));
    b = register_module("b", torch::nn::Linear(4, 2));
    register_buffer("count", torch::zeros({1}));
  }
};
TORCH_MODULE(Tiny);

// Serialized weights in which every parameter and buffer equals `v` (a big file).
std::string weights_bytes(float v) {
  torch::nn::Sequential m(torch::nn::Linear(256, 512), torch::nn::Linear(512, 256));
  torch::NoGradGuard g;
  for (auto& p : m->parameters()) p.fill_(v);
  torch::serialize::OutputArchive ar;
  m->save(ar);
  std::ostringstream os;
  ar.save_to(os);
  return os.str();
}
}  // namespace

TEST_CASE("write_file_atomic replaces the file and leaves no temp files", "[training][checkpoint]") {
  nmt_test::TempDir dir("atomic");
  std::string p = (dir.path / "x.txt").string();
  nmt::write_file_atomic(p, "first");
  nmt::write_file_atomic(p, "second");
  CHECK(nmt::read_file(p) == "second");
  int files = 0;
  for (auto& e : fs::directory_iterator(dir.path)) (void)e, ++files;
  CHECK(files == 1);
  CHECK_THROWS_AS(nmt::write_file_atomic((dir.path / "no/such/dir/x").string(), "y"), nmt::IoError);
}

TEST_CASE("a checkpoint being written when the writer is SIGKILLed is never half-read", "[training][checkpoint]") {
  nmt_test::TempDir dir("kill");
  const std::string path = (dir.path / "last.pt").string();
  const std::string a = weights_bytes(1.0f), b = weights_bytes(2.0f);
  nmt::write_file_atomic(path, a);
  std::mt19937 rng(1234);
  for (int round = 0; round < 12; ++round) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {  // child: rewrite the checkpoint forever, alternating contents
      for (uint64_t i = 0;; ++i) nmt::write_file_atomic(path, (i % 2) ? a : b);
    }
    ::usleep(2000 + rng() % 30000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    // The file is always one complete version: it loads and holds one consistent value.
    torch::nn::Sequential m(torch::nn::Linear(256, 512), torch::nn::Linear(512, 256));
    REQUIRE_NOTHROW(nmt::load_weights(*m, path, torch::kCPU));
    float v = m->parameters()[0].view(-1)[0].item<float>();
    CHECK((v == 1.0f || v == 2.0f));
    for (auto& p : m->parameters()) CHECK(p.eq(v).all().item<bool>());
  }
}

TEST_CASE("weights and training state round-trip exactly", "[training][checkpoint]") {
  nmt_test::TempDir dir("state");
  torch::manual_seed(5);
  Tiny m;
  torch::optim::Adam opt(m->parameters(), torch::optim::AdamOptions(1e-2));
  auto step = [&](Tiny& mod, torch::optim::Optimizer& o) {
    o.zero_grad();
    auto y = mod->b(torch::relu(mod->a(torch::ones({2, 3}))));
    y.pow(2).sum().backward();
    o.step();
  };
  step(m, opt);
  nmt::save_weights(*m, (dir.path / "w.pt").string());
  nmt::TrainState st;
  st.step = 17;
  st.epoch = 2;
  st.batch_pos = 5;
  st.has_best = true;
  st.best_metric = 12.5;
  st.best_step = 12;
  st.bad_validations = 1;
  st.schedule.scale = 0.25;
  st.schedule.bad = 2;
  st.schedule.horizon = 345;
  nmt::capture_rng(st, torch::kCPU);
  nmt::save_train_state((dir.path / "s.pt").string(), st, opt);
  auto expected_noise = torch::rand({4});

  torch::manual_seed(99);  // different init and RNG
  Tiny m2;
  torch::optim::Adam opt2(m2->parameters(), torch::optim::AdamOptions(1e-2));
  nmt::load_weights(*m2, (dir.path / "w.pt").string(), torch::kCPU);
  auto st2 = nmt::load_train_state((dir.path / "s.pt").string(), opt2, torch::kCPU);
  nmt::restore_rng(st2, torch::kCPU);
  CHECK(torch::equal(torch::rand({4}), expected_noise));
  CHECK(st2.step == 17);
  CHECK(st2.epoch == 2);
  CHECK(st2.batch_pos == 5);
  CHECK(st2.has_best);
  CHECK(st2.best_metric == 12.5);
  CHECK(st2.best_step == 12);
  CHECK(st2.bad_validations == 1);
  CHECK(st2.schedule.scale == 0.25);
  CHECK(st2.schedule.bad == 2);
  CHECK(st2.schedule.horizon == 345);
  // Same weights and same Adam moments: one more identical step gives identical weights.
  step(m, opt);
  step(m2, opt2);
  auto p1 = m->parameters(), p2 = m2->parameters();
  for (size_t i = 0; i < p1.size(); ++i) CHECK(torch::equal(p1[i], p2[i]));

  auto json = nmt::parse_json(nmt::train_state_json(st2, nmt::DevMetric::BLEU), "train_state.json");
  CHECK(json.at("step") == 17);
  CHECK(json.at("metric") == "bleu");
  CHECK(json.at("best_metric") == 12.5);

  // A missing or foreign file is a clear IoError.
  CHECK_THROWS_AS(nmt::load_weights(*m2, (dir.path / "none.pt").string(), torch::kCPU), nmt::IoError);
  nmt::write_file_atomic((dir.path / "junk.pt").string(), "not a checkpoint");
  CHECK_THROWS_AS(nmt::load_weights(*m2, (dir.path / "junk.pt").string(), torch::kCPU), nmt::IoError);
  torch::nn::Linear other(7, 7);
  CHECK_THROWS_AS(nmt::load_weights(*other, (dir.path / "w.pt").string(), torch::kCPU), nmt::IoError);
}

TEST_CASE("metrics log drops records written after the resumed checkpoint", "[training][checkpoint]") {
  nmt_test::TempDir dir("jsonl");
  std::string p = (dir.path / "metrics.jsonl").string();
  {
    std::ofstream out(p);
    out << "{\"type\":\"train\",\"step\":1,\"loss\":2.5}\n{\"type\":\"dev\",\"step\":2,\"bleu\":1}\n"
           "{\"type\":\"train\",\"step\":3,\"loss\":2}\n{\"type\":\"tra";  // torn last line
  }
  nmt::MetricsLog log;
  log.open(p, 2);
  log.write({{"type", "train"}, {"step", 3}, {"name", "a\"b"}});
  const auto recs = nmt::read_metrics_log(p);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].at("step") == 1);
  CHECK(recs[1].at("type") == "dev");
  CHECK(recs[2].at("name") == "a\"b");
  // A malformed line in the middle is skipped by the reader (with a warning), not fatal.
  {
    std::ofstream out(p, std::ios::app);
    out << "not json\n{\"type\":\"dev\",\"step\":4}\n";
  }
  const auto more = nmt::read_metrics_log(p);
  REQUIRE(more.size() == 4);
  CHECK(more[3].at("step") == 4);
}
