// Hidden measurements, run by hand (not part of the suite):
//   test_models "[.bench]"    training throughput at reference sizes (forward + backward)
//   test_models "[.compare]"  the three architectures on a harder reversal task, same wall time
// NMT_BENCH_THREADS (default 2) and NMT_COMPARE_SECONDS (default 120 per model) adjust them.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>

#include "model_fixtures.h"
#include "reverse_task.h"

using namespace nmt;
using namespace nmt::test;

namespace {

using Clock = std::chrono::steady_clock;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Throughput {
  double wall = 0;  // target tokens per wall-clock second
  double cpu = 0;   // target tokens per CPU second of this process (all threads)
};

// Target tokens per second of forward + loss + backward on a [B, S] → [B, T] batch.
Throughput train_tokens_per_second(Seq2SeqImpl& model, int64_t vocab, int64_t B, int64_t S, int64_t T, int iters) {
  model.train();
  auto src = torch::randint(kNumSpecial, vocab, {B, S}, torch::kLong);
  auto mask = torch::ones({B, S}, torch::kBool);
  auto tgt_in = torch::randint(kNumSpecial, vocab, {B, T}, torch::kLong);
  auto tgt_out = torch::randint(kNumSpecial, vocab, {B, T}, torch::kLong);
  auto run = [&] {
    auto logits = model.forward(src, mask, tgt_in);
    auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, vocab}), tgt_out.reshape({-1}));
    model.zero_grad();
    loss.backward();
  };
  run();  // warm-up
  auto t0 = Clock::now();
  const std::clock_t c0 = std::clock();
  for (int i = 0; i < iters; ++i) run();
  const double tokens = static_cast<double>(B * T * iters);
  const double cpu_s = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  return {tokens / seconds_since(t0), tokens / cpu_s};
}

void report(const char* name, const Throughput& t) {
  // On a busy machine wall-clock numbers understate; cpu × threads estimates an idle machine.
  std::printf("%-12s %6.0f target tokens/s wall, %6.0f per CPU-second (x%d threads = %.0f idle estimate)\n", name,
              t.wall, t.cpu, torch::get_num_threads(), t.cpu * torch::get_num_threads());
}

}  // namespace

TEST_CASE("training throughput at reference sizes", "[.bench]") {
  torch::set_num_threads(env_int("NMT_BENCH_THREADS", 2));
  const int64_t V = 8000, B = 128, S = 32, T = 32;  // 4096 target tokens per batch
  torch::manual_seed(1);

  TransformerConfig t;  // 3+3 layers, d 256, 4 heads, FFN 1024
  auto transformer = make_model({"transformer", t}, V, V);
  report("transformer", train_tokens_per_second(*transformer, V, B, S, T, 3));

  BahdanauConfig b;  // GRU, emb 256, hidden 512
  auto bahdanau = make_model({"bahdanau", b}, V, V);
  report("bahdanau", train_tokens_per_second(*bahdanau, V, B, S, T, 2));

  RnnConfig r;
  auto rnn = make_model({"rnn", r}, V, V);
  report("rnn", train_tokens_per_second(*rnn, V, B, S, T, 3));
}

TEST_CASE("architectures compared on reversal of 20-40 symbols", "[.compare]") {
  torch::set_num_threads(env_int("NMT_BENCH_THREADS", 2));
  const double budget = env_int("NMT_COMPARE_SECONDS", 120);
  torch::manual_seed(5);
  auto train = make_reverse_task(4000, 20, 40, 30);
  auto test = make_reverse_task(200, 20, 40, 30);

  RnnConfig r;
  r.emb_dim = 64;
  r.hidden = 256;
  r.dropout = 0.0;
  BahdanauConfig b;
  b.emb_dim = 64;
  b.hidden = 128;
  b.attn_dim = 128;
  b.dropout = 0.0;
  TransformerConfig t;
  t.d_model = 128;
  t.heads = 4;
  t.ffn = 256;
  t.enc_layers = 2;
  t.dec_layers = 2;
  t.dropout = 0.0;
  t.max_positions = 64;
  for (auto cfg : {ModelConfig{"rnn", r}, ModelConfig{"bahdanau", b}, ModelConfig{"transformer", t}}) {
    torch::manual_seed(6);
    auto model = make_model(cfg, train.vocab, train.vocab);
    model->train();
    torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(cfg.arch == "transformer" ? 1e-3 : 3e-3));
    auto t0 = Clock::now();
    int64_t steps = 0;
    double loss = 0;
    while (seconds_since(t0) < budget) {
      auto l = task_loss(*model, train, torch::randint(0, train.src.size(0), {64}, torch::kLong));
      opt.zero_grad();
      l.backward();
      torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      opt.step();
      loss = l.item<double>();
      ++steps;
    }
    const auto correct = exact_match(*model, test);
    std::printf("%-12s %6lld steps in %.0f s, last loss %.3f, exact match %lld/200 (%.1f%%)\n", cfg.arch.c_str(),
                static_cast<long long>(steps), seconds_since(t0), loss, static_cast<long long>(correct),
                100.0 * correct / 200);
  }
}
