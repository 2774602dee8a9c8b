// bench_train: training throughput and memory of each given config, plus a measured sgemm
// rate on the same threads so the table can be read as FLOP utilisation.
//
//   bench_train [--steps 30] [--warmup 5] [--threads 0] [--device cpu] CONFIG...
//
// Each config runs in its own child process (so peak RSS is per config): tokenizers are
// taken from the config's model directory when present, else trained once into
// /tmp/nmt-bench-<name>. Timed steps exclude the first --warmup steps.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/data/batcher.h"
#include "nmt/data/corpus.h"
#include "nmt/data/tokenizer.h"
#include "nmt/models/factory.h"
#include "nmt/training/amp.h"
#include "nmt/training/train_step.h"
#include "nmt/util/device.h"
#include "nmt/util/logging.h"
#include "nmt/util/runtime_env.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Row {
  char arch[32] = {};
  long long params = 0;
  double tok_per_s = 0, ms_per_step = 0, tokens_per_step = 0, rss_mib = 0;
  int ok = 0;
  char error[256] = {};
};

Row bench_config(const std::string& path, int steps, int warmup, const torch::Device& device) {
  Row row;
  nmt::Config cfg = nmt::load_config(path);
  std::string dir = cfg.output;
  bool have_tok = fs::exists(fs::path(dir) / "spm.model") || fs::exists(fs::path(dir) / "vocab.txt") ||
                  fs::exists(fs::path(dir) / "spm.src.model") || fs::exists(fs::path(dir) / "vocab.src.txt");
  if (!have_tok) {
    dir = "/tmp/nmt-bench-" + cfg.name;
    fs::create_directories(dir);
  }
  auto tok = nmt::prepare_tokenizers(dir, cfg.tokenizer, cfg.data.train);
  auto text = nmt::read_parallel(cfg.data.train);
  auto corpus = nmt::encode_corpus(text, tok, true, cfg.data.max_len, cfg.data.max_len_ratio);
  torch::manual_seed(static_cast<uint64_t>(cfg.train.seed));
  auto model = nmt::make_model(cfg.model, tok.src->vocab_size(), tok.tgt->vocab_size());
  model->to(device);
  model->train();
  std::snprintf(row.arch, sizeof(row.arch), "%s", model->arch().c_str());
  row.params = model->parameter_count();
  auto params = model->parameters();
  torch::optim::Adam opt(params, torch::optim::AdamOptions(cfg.train.lr).betas({cfg.train.beta1, cfg.train.beta2}));
  nmt::Amp amp(cfg.train.amp, device);
  nmt::Batcher batcher(corpus, cfg.train.batch_tokens, static_cast<uint64_t>(cfg.train.seed));
  double timed_s = 0;
  long long timed_tokens = 0;
  for (int s = 0; s < warmup + steps; ++s) {
    std::vector<nmt::Batch> group;
    for (int64_t k = 0; k < cfg.train.accum_steps; ++k) {
      nmt::Batch b;
      while (!batcher.next(&b)) {
      }
      group.push_back(std::move(b));
    }
    if (device.is_cuda()) torch::cuda::synchronize();
    auto t0 = Clock::now();
    opt.zero_grad();
    auto g = nmt::backward_group(*model, group, cfg.train.label_smoothing, amp, device);
    if (cfg.train.clip_norm > 0) torch::nn::utils::clip_grad_norm_(params, cfg.train.clip_norm);
    opt.step();
    if (device.is_cuda()) torch::cuda::synchronize();
    double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s >= warmup) {
      timed_s += dt;
      timed_tokens += g.tokens;
    }
  }
  row.tok_per_s = static_cast<double>(timed_tokens) / timed_s;
  row.ms_per_step = 1000.0 * timed_s / steps;
  row.tokens_per_step = static_cast<double>(timed_tokens) / steps;
  row.rss_mib = nmt::peak_rss_mib();
  row.ok = 1;
  return row;
}

double sgemm_gflops(int n, const torch::Device& device) {
  auto a = torch::randn({n, n}, torch::TensorOptions().device(device));
  auto b = torch::randn({n, n}, torch::TensorOptions().device(device));
  auto c = torch::mm(a, b);  // warm-up
  int reps = 0;
  auto t0 = Clock::now();
  double secs = 0;
  while (secs < 2.0 || reps < 3) {
    c = torch::mm(a, b);
    ++reps;
    if (device.is_cuda()) torch::cuda::synchronize();
    secs = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return 2.0 * n * n * static_cast<double>(n) * reps / secs / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  nmt::reexec_with_tuned_environment(argv);  // threading/BLAS load-time settings
  int steps = 30, warmup = 5, threads = 0;
  std::string device_spec = "cpu";
  std::vector<std::string> configs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--steps") steps = std::stoi(value());
    else if (a == "--warmup") warmup = std::stoi(value());
    else if (a == "--threads") threads = std::stoi(value());
    else if (a == "--device") device_spec = value();
    else if (a == "-h" || a == "--help") {
      std::printf("usage: bench_train [--steps N] [--warmup W] [--threads T] [--device cpu|cuda] CONFIG...\n");
      return 0;
    } else configs.push_back(a);
  }
  if (configs.empty() || steps <= 0) {
    std::fprintf(stderr, "usage: bench_train [--steps N] [--warmup W] [--threads T] [--device cpu|cuda] CONFIG...\n");
    return 2;
  }
  nmt::setup_logging("warn");
  const int nthreads = nmt::set_threads(threads);

  std::vector<std::pair<std::string, Row>> rows;
  for (const auto& path : configs) {
    int fds[2];
    if (::pipe(fds) != 0) return 1;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      Row row;
      try {
        nmt::set_threads(nthreads);
        row = bench_config(path, steps, warmup, nmt::resolve_device(device_spec));
      } catch (const std::exception& e) {
        std::snprintf(row.error, sizeof(row.error), "%s", e.what());
      }
      if (::write(fds[1], &row, sizeof(row)) != static_cast<ssize_t>(sizeof(row))) _exit(1);
      _exit(0);
    }
    ::close(fds[1]);
    Row row;
    ssize_t n = ::read(fds[0], &row, sizeof(row));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (n != static_cast<ssize_t>(sizeof(row))) std::snprintf(row.error, sizeof(row.error), "child crashed");
    rows.emplace_back(path, row);
  }

  const torch::Device device = nmt::resolve_device(device_spec);
  const double gflops = sgemm_gflops(1024, device);
  std::printf("bench_train: %d timed steps after %d warm-up steps, %d threads, device %s\n", steps, warmup, nthreads,
              device.str().c_str());
  std::printf("sgemm 1024x1024x1024: %.1f GFLOP/s\n\n", gflops);
  std::printf("| config | arch | params | tgt tokens/step | ms/step | tgt tokens/s | ~GFLOP/s (6*P*tok/s) | util | peak RSS MiB |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& [path, r] : rows) {
    if (!r.ok) {
      std::printf("| %s | error: %s |||||||\n", fs::path(path).filename().c_str(), r.error);
      continue;
    }
    double est = 6.0 * static_cast<double>(r.params) * r.tok_per_s / 1e9;
    std::printf("| %s | %s | %lld | %.0f | %.1f | %.0f | %.1f | %.0f%% | %.0f |\n", fs::path(path).filename().c_str(),
                r.arch, r.params, r.tokens_per_step, r.ms_per_step, r.tok_per_s, est, 100.0 * est / gflops,
                r.rss_mib);
  }
  return 0;
}
