// One int8 product against float32 at the shapes of a beam-search step: the Int8Gemm that
// `nmt quantize` models use (the dynamic kernel with its per-row scaling, or whichever kernel
// this LibTorch has) against the float kernel on the same dequantized weights. Each call gets
// a fresh input, as decoding does; both products see the same input.
//
//   bench_int8_op [--threads N] [--calls C] [--rounds R]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "nmt/layers/int8_gemm.h"
#include "nmt/util/device.h"
#include "nmt/util/logging.h"
#include "nmt/util/runtime_env.h"

namespace {

using Clock = std::chrono::steady_clock;
double micros(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::micro>(b - a).count(); }

// Mean µs per call of int8 and float products of [rows, k] inputs with an [n, k] weight.
void time_shape(int64_t rows, int64_t k, int64_t n, int calls, int round) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(round);
  const nmt::Int8Weight q = nmt::quantize_per_row(torch::randn({n, k}) * 0.05);
  const torch::Tensor bias = torch::randn({n}) * 0.01;
  const auto int8 = nmt::make_int8_gemm(q.w8, q.scale, bias);
  const auto fp32 = nmt::make_int8_gemm(nmt::Int8Kernel::Float, q.w8, q.scale, bias);
  for (int i = 0; i < 20; ++i) {  // warm-up: packing, allocator, thread pool
    const torch::Tensor x = torch::randn({rows, k});
    int8->run(x);
    fp32->run(x);
  }
  double t_int8 = 0, t_fp32 = 0;
  for (int i = 0; i < calls; ++i) {
    // The two take turns going first, so that neither always finds x in cache.
    const torch::Tensor x = torch::randn({rows, k});
    const auto& first = i % 2 ? fp32 : int8;
    const auto& second = i % 2 ? int8 : fp32;
    const auto t0 = Clock::now();
    first->run(x);
    const auto t1 = Clock::now();
    second->run(x);
    const auto t2 = Clock::now();
    (i % 2 ? t_fp32 : t_int8) += micros(t0, t1);
    (i % 2 ? t_int8 : t_fp32) += micros(t1, t2);
  }
  std::printf("| %ld × %ld × %ld | %d | %.0f | %.0f | %.2f |\n", static_cast<long>(rows), static_cast<long>(k),
              static_cast<long>(n), round, t_int8 / calls, t_fp32 / calls, t_int8 / t_fp32);
}

}  // namespace

int main(int argc, char** argv) {
  nmt::reexec_with_tuned_environment(argv);  // threading/BLAS load-time settings
  int threads = 2, calls = 500, rounds = 2;
  for (int i = 1; i < argc; ++i) {
    auto value = [&](int& out) {
      if (i + 1 >= argc || (out = std::atoi(argv[++i])) <= 0) {
        std::fprintf(stderr, "bench_int8_op: %s needs a positive number\n", argv[i - 1]);
        std::exit(2);
      }
    };
    if (!std::strcmp(argv[i], "--threads")) value(threads);
    else if (!std::strcmp(argv[i], "--calls")) value(calls);
    else if (!std::strcmp(argv[i], "--rounds")) value(rounds);
    else {
      std::fprintf(stderr, "usage: bench_int8_op [--threads N] [--calls C] [--rounds R]\n");
      return 2;
    }
  }
  nmt::setup_logging("warn");
  const int n = nmt::set_threads(threads);
  std::printf("int8 product against float32, %d threads, %d calls per row, fresh input per call; int8 kernel: %s\n\n", n,
              calls, nmt::int8_kernel_name(nmt::default_int8_kernel()).c_str());
  std::printf("| rows × K × N | round | int8 µs | fp32 µs | int8 / fp32 |\n|---|---:|---:|---:|---:|\n");
  // A decoder step's products: d_model 256 → 768 (fused Q, K, V) and → 4,000 (output layer),
  // for 1, 8 and 32 sentences of 5 hypotheses.
  for (int64_t out : {768, 4000})
    for (int64_t rows : {5, 40, 160})
      for (int r = 0; r < rounds; ++r) time_shape(rows, 256, out, calls, r);
  return 0;
}
