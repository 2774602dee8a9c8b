// bench_train: training throughput and memory of each given config, plus a measured sgemm
// rate on the same threads so the table can be read as FLOP utilisation.
//
//   bench_train [--steps 30] [--warmup 5] [--threads 0] [--device cpu] [--nproc-per-node N] CONFIG...
//
// Each config runs in its own child process (so peak RSS is per config): tokenizers are
// taken from the config's model directory when present, else trained once into
// /tmp/nmt-bench-<name>. Timed steps exclude the first --warmup steps.
//
// --nproc-per-node N: data-parallel training as `nmt train --nproc-per-node N` does it (Gloo
// on the CPU, bucketed all-reduce overlapped with backward): N workers, --threads each
// (default cores/N), every worker --steps steps of its own batches; tokens/s counts the
// tokens of all workers. Compare with one process on all the threads, e.g. on 2 cores
//   bench_train --nproc-per-node 2 --threads 1 CONFIG   vs   bench_train --threads 2 CONFIG
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
#include "nmt/dist/dist_env.h"
#include "nmt/dist/distributed.h"
#include "nmt/dist/grad_reducer.h"
#include "nmt/dist/launcher.h"
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
  long long buckets = 0, overlapped = 0;  // data-parallel: gradient buckets, and those started during backward
  int ok = 0;
  char error[256] = {};
};

// dist: this process is one rank of a data-parallel job (else null).
Row bench_config(const std::string& path, int steps, int warmup, const torch::Device& device,
                 nmt::Distributed* dist = nullptr) {
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
  std::unique_ptr<nmt::GradReducer> reducer;
  if (dist) {
    batcher.shard(dist->rank(), dist->world());
    for (auto t : model->parameters()) {
      torch::NoGradGuard no_grad;
      dist->broadcast(t, "initial weights");
    }
    reducer = std::make_unique<nmt::GradReducer>(*dist, params, cfg.train.dist_bucket_mb);
    row.buckets = reducer->bucket_count();
  }
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
    int64_t tokens = 0;
    if (dist) {  // what Trainer::step does in data-parallel training
      auto t = torch::zeros({1}, torch::kDouble);
      for (const auto& b : group) t += static_cast<double>(b.tgt_tokens);
      dist->allreduce_sum(t, "token count");
      tokens = static_cast<int64_t>(t.item<double>() + 0.5);
    }
    auto g = nmt::backward_group(*model, group, cfg.train.label_smoothing, amp, device, tokens,
                                 [&] { if (reducer) reducer->arm(); });
    if (reducer) {
      auto extra = torch::tensor({g.loss_sum, g.nll_sum}, torch::kDouble).to(dist->comm_device());
      reducer->finish(extra);
      g.tokens = tokens;
      row.overlapped = reducer->overlapped_buckets();
    }
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

// One config as N data-parallel workers (launched as copies of this program); rank 0 writes
// its Row into a temp file that the launcher reads.
Row bench_data_parallel(const std::string& path, int steps, int warmup, int nproc, int threads,
                        const std::string& device_spec) {
  Row row;
  const std::string result = (fs::temp_directory_path() / ("nmt-bench-row-" + std::to_string(::getpid()))).string();
  fs::remove(result);
  nmt::LaunchOptions lo;
  lo.nproc_per_node = nproc;
  lo.threads_per_worker = threads > 0 ? threads : std::max(1, nmt::hardware_threads() / nproc);
  lo.args = {"bench_train", "--steps", std::to_string(steps), "--warmup", std::to_string(warmup), "--threads",
             std::to_string(lo.threads_per_worker), "--device", device_spec, "--result", result, path};
  try {
    nmt::launch_workers(lo);
    std::FILE* f = std::fopen(result.c_str(), "rb");
    if (f == nullptr || std::fread(&row, sizeof(row), 1, f) != 1) std::snprintf(row.error, sizeof(row.error), "no result");
    if (f) std::fclose(f);
  } catch (const std::exception& e) {
    std::snprintf(row.error, sizeof(row.error), "%s", e.what());
  }
  fs::remove(result);
  return row;
}

// A launched worker: join the job, run the config, rank 0 writes the row.
int data_parallel_worker(const std::string& path, int steps, int warmup, int threads, const std::string& device_spec,
                         const std::string& result) {
  auto env = nmt::dist_env_from_environment();
  if (!env) return 2;
  nmt::set_threads(threads > 0 ? threads : std::max(1, nmt::hardware_threads() / env->local_world));
  nmt::DistOptions o;
  o.device = nmt::resolve_device(device_spec);
  if (o.device.is_cuda()) o.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env->local_rank));
  Row row;
  try {
    auto dist = nmt::Distributed::join(*env, o);
    row = bench_config(path, steps, warmup, o.device, dist.get());
    dist->barrier("the end of the benchmark");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", env->rank, e.what());
    return 1;
  }
  if (env->rank == 0) {
    std::FILE* f = std::fopen(result.c_str(), "wb");
    if (f == nullptr || std::fwrite(&row, sizeof(row), 1, f) != 1) return 1;
    std::fclose(f);
  }
  return 0;
}

int main(int argc, char** argv) {
  nmt::reexec_with_tuned_environment(argv);  // threading/BLAS load-time settings
  int steps = 30, warmup = 5, threads = 0, nproc = 0;
  std::string device_spec = "cpu", result;
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
    else if (a == "--nproc-per-node") nproc = std::stoi(value());
    else if (a == "--result") result = value();
    else if (a == "-h" || a == "--help") {
      std::printf("usage: bench_train [--steps N] [--warmup W] [--threads T] [--device cpu|cuda] "
                  "[--nproc-per-node N] CONFIG...\n");
      return 0;
    } else configs.push_back(a);
  }
  if (configs.empty() || steps <= 0 || nproc < 0) {
    std::fprintf(stderr, "usage: bench_train [--steps N] [--warmup W] [--threads T] [--device cpu|cuda] "
                         "[--nproc-per-node N] CONFIG...\n");
    return 2;
  }
  nmt::setup_logging("warn");
  if (nmt::is_launched_worker()) return data_parallel_worker(configs[0], steps, warmup, threads, device_spec, result);
  const int nthreads = nproc > 0 ? (threads > 0 ? threads : std::max(1, nmt::hardware_threads() / nproc))
                                 : nmt::set_threads(threads);

  std::vector<std::pair<std::string, Row>> rows;
  for (const auto& path : configs) {
    if (nproc > 0) {
      rows.emplace_back(path, bench_data_parallel(path, steps, warmup, nproc, nthreads, device_spec));
      continue;
    }
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
  nmt::set_threads(nthreads);
  if (nproc > 0)
    std::printf("bench_train: %d timed steps after %d warm-up steps, %d data-parallel processes x %d threads (gloo), "
                "device %s\n",
                steps, warmup, nproc, nthreads, device.str().c_str());
  else
    std::printf("bench_train: %d timed steps after %d warm-up steps, %d threads, device %s\n", steps, warmup,
                nthreads, device.str().c_str());
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
    if (nproc > 0)
      std::printf("|   (gradient buckets: %lld, started during backward in the last step: %lld) |||||||||\n",
                  r.buckets, r.overlapped);
  }
  return 0;
}
