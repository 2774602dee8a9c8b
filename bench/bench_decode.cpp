// Decoding benchmark: sentences/s over a test set for every model as trained (fp32) and
// quantized in memory as `nmt quantize` would (int8), at beam 1 and 5; the matmul work rate
// (--flops: the fp32 model's matrix products, 2·M·N·K each, per second of each variant) against
// a sgemm measured in the same process, so a busy machine shows in both;
// per-token cost at output lengths 10 and 100 (K/V cache check); resident memory over
// repeated passes (leak check).
//
//   bench_decode --src data/bible-es-en/test.es --threads 2 [--beams 1,5] [--passes 3] [--no-int8]
//                [--flops] [--max-sentences N] [--repeat 20] [--repeat-beam 5] [--ensemble-with DIR]...
//                MODEL_DIR...
//
// --ensemble-with DIR (repeatable) adds an "ensemble" row per MODEL_DIR: that model and the
// given ones decoding together (nmt translate -m MODEL_DIR -m DIR ...), equal weights.
//
// The variants of a model are timed in turns (fp32, int8, fp32, int8, ...) so that both see the
// same machine load; each row is the best of --passes passes, the median follows in brackets.
// A MODEL_DIR written by `nmt quantize` is benchmarked as it is (one int8 row).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "flop_counter.h"
#include "nmt/data/corpus.h"
#include "nmt/data/vocab.h"
#include "nmt/decoding/translator.h"
#include "nmt/models/quantize.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/device.h"
#include "nmt/util/logging.h"
#include "nmt/util/runtime_env.h"

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Args {
  std::string src_path;
  int threads = 0, repeat = 0, repeat_beam = 5, passes = 1, max_sentences = 0;
  std::vector<int64_t> beams{1, 5};
  bool int8 = true, flops = false;
  std::vector<std::string> models, ensemble_with;
};

std::vector<int64_t> parse_list(const std::string& s) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoll(item));
  return out;
}

bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : "0"; };
    if (s == "--src") a.src_path = next();
    else if (s == "--threads") a.threads = std::stoi(next());
    else if (s == "--repeat") a.repeat = std::stoi(next());
    else if (s == "--repeat-beam") a.repeat_beam = std::stoi(next());
    else if (s == "--passes") a.passes = std::max(1, std::stoi(next()));
    else if (s == "--max-sentences") a.max_sentences = std::stoi(next());
    else if (s == "--beams") a.beams = parse_list(next());
    else if (s == "--no-int8") a.int8 = false;
    else if (s == "--flops") a.flops = true;
    else if (s == "--ensemble-with") a.ensemble_with.push_back(next());
    else a.models.push_back(s);
  }
  return !a.src_path.empty() && !a.models.empty();
}

// GFLOP/s of a [1024, 1024] · [1024, 1024] float32 product, best of 10.
double sgemm_gflops() {
  torch::NoGradGuard ng;
  const torch::Tensor a = torch::randn({1024, 1024}), b = torch::randn({1024, 1024});
  double best = 1e9;
  for (int i = 0; i < 10; ++i) {
    auto t0 = Clock::now();
    torch::mm(a, b);
    best = std::min(best, seconds_since(t0));
  }
  return 2.0 * 1024 * 1024 * 1024 / best / 1e9;
}

// Milliseconds per decoder step when generating exactly `steps` tokens for `batch` sentences
// of `src_len` tokens, through encode/start/step (EOS ignored).
double ms_per_step(nmt::Seq2SeqImpl& model, int64_t batch, int64_t src_len, int64_t steps) {
  torch::NoGradGuard ng;
  torch::manual_seed(1);
  const int64_t v = model.target_vocab();
  torch::Tensor src = torch::randint(nmt::kNumSpecial, std::min<int64_t>(v, 200), {batch, src_len}, torch::kLong);
  torch::Tensor mask = torch::ones({batch, src_len}, torch::kBool);
  nmt::DecoderState st = model.start(model.encode(src, mask));
  torch::Tensor prev = torch::full({batch}, nmt::kBosId, torch::kLong);
  auto t1 = Clock::now();
  for (int64_t t = 0; t < steps; ++t) prev = model.step(prev, st).logits.argmax(-1);
  return seconds_since(t1) * 1000.0 / static_cast<double>(steps);
}

// One variant of a model (fp32 or int8) and its timings at one beam.
struct Variant {
  std::string name;
  nmt::LoadedModel lm;
  std::vector<double> secs;
  int64_t tokens = 0;
  double flops = 0;
};

nmt::SearchOptions search_options(const nmt::LoadedModel& lm, int64_t beam) {
  nmt::SearchOptions so = nmt::search_options(lm.config.decode);
  so.beam_size = beam;
  so.nbest = 1;
  return so;
}

std::unique_ptr<nmt::Translator> translator(const nmt::LoadedModel& lm, int64_t beam) {
  return std::make_unique<nmt::Translator>(lm.model, lm.tokenizers, search_options(lm, beam),
                                           lm.config.decode.batch_size, torch::Device(torch::kCPU),
                                           lm.config.data.max_len);
}

void bench_model(const Args& a, const std::vector<std::string>& src, std::vector<Variant>& variants, double sgemm) {
  const std::string& name = variants.front().lm.config.name;
  for (int64_t beam : a.beams) {
    std::vector<std::unique_ptr<nmt::Translator>> trs;
    for (auto& v : variants) {
      v.secs.clear();
      trs.push_back(translator(v.lm, beam));
    }
    // Useful work: the float model's matrix products on this test set, counted once and used
    // for every variant (the int8 op's recorded shapes do not count reliably).
    if (a.flops) {
      bench::FlopCounter counter;
      trs.front()->translate(src);
      for (auto& v : variants) v.flops = counter.count();
    }
    for (int p = 0; p < a.passes; ++p)
      for (size_t i = 0; i < variants.size(); ++i) {
        auto t0 = Clock::now();
        auto out = trs[i]->translate(src);
        variants[i].secs.push_back(seconds_since(t0));
        variants[i].tokens = 0;
        for (auto& o : out) variants[i].tokens += o.tgt_tokens;
      }
    for (auto& v : variants) {
      std::sort(v.secs.begin(), v.secs.end());
      const double best = v.secs.front(), median = v.secs[v.secs.size() / 2], n = static_cast<double>(src.size());
      std::printf("%-30s %-8s %4lld %9.2f (%6.2f) %10.1f", name.c_str(), v.name.c_str(), static_cast<long long>(beam),
                  n / best, n / median, static_cast<double>(v.tokens) / best);
      if (a.flops) std::printf(" %8.1f %6.1f%%", v.flops / best / 1e9, 100.0 * v.flops / best / 1e9 / sgemm);
      else std::printf(" %8s %7s", "-", "-");
      std::printf(" %9.0f\n", nmt::peak_rss_mib());
      std::fflush(stdout);
    }
  }
  for (auto& v : variants) {
    const double ms10 = ms_per_step(*v.lm.model, 5, 30, 10), ms100 = ms_per_step(*v.lm.model, 5, 30, 100);
    std::printf("%-30s %-8s per-step cost, 5 hypotheses: %.2f ms at 10 tokens, %.2f ms at 100 tokens (ratio %.2f)\n",
                name.c_str(), v.name.c_str(), ms10, ms100, ms100 / ms10);
  }
  if (a.repeat > 0) {
    for (auto& v : variants) {
      auto tr = translator(v.lm, a.repeat_beam);
      std::printf("%-30s %-8s RSS after each of %d passes at beam %d (MiB):", name.c_str(), v.name.c_str(), a.repeat,
                  a.repeat_beam);
      for (int r = 0; r < a.repeat; ++r) {
        tr->translate(src);
        std::printf(" %.0f", nmt::current_rss_mib());
        std::fflush(stdout);
      }
      std::printf("\n");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  nmt::reexec_with_tuned_environment(argv);  // threading/BLAS load-time settings
  Args a;
  if (!parse_args(argc, argv, a)) {
    std::fprintf(stderr,
                 "usage: bench_decode --src FILE [--threads N] [--beams 1,5] [--passes P] [--no-int8] [--flops] "
                 "[--max-sentences N] [--repeat N] [--repeat-beam K] [--ensemble-with DIR]... MODEL_DIR...\n");
    return 2;
  }
  nmt::setup_logging("warn");
  const int n_threads = nmt::set_threads(a.threads);
  std::vector<std::string> src = nmt::read_lines(a.src_path);
  if (a.max_sentences > 0 && static_cast<int>(src.size()) > a.max_sentences) src.resize(a.max_sentences);
  const double sgemm = sgemm_gflops();
  std::printf("decode benchmark: %zu sentences from %s, %d threads, CPU; sgemm %.0f GFLOP/s now; int8 kernel: %s\n\n",
              src.size(), a.src_path.c_str(), n_threads, sgemm,
              nmt::int8_kernel_name(nmt::default_int8_kernel()).c_str());
  std::printf("%-30s %-8s %4s %9s %8s %10s %8s %7s %9s\n", "model", "variant", "beam", "sent/s", "(median)",
              "tgt tok/s", "GFLOP/s", "%sgemm", "peak MiB");
  for (const auto& dir : a.models) {
    nmt::reset_peak_rss();  // peak memory per model, not since the process started
    std::vector<Variant> variants;
    const bool is_int8 = nmt::is_int8_model_dir(dir);
    variants.push_back({is_int8 ? "int8" : "fp32", nmt::load_model_dir(dir, torch::Device(torch::kCPU)), {}, 0, 0});
    if (a.int8 && !is_int8) {
      Variant q{"int8", nmt::load_model_dir(dir, torch::Device(torch::kCPU)), {}, 0, 0};
      nmt::quantize_int8(*q.lm.model);
      nmt::pack_int8(*q.lm.model);
      variants.push_back(std::move(q));
    }
    if (!a.ensemble_with.empty()) {
      std::vector<std::string> dirs{dir};
      dirs.insert(dirs.end(), a.ensemble_with.begin(), a.ensemble_with.end());
      variants.push_back({"ensemble", nmt::load_models(dirs, torch::Device(torch::kCPU)), {}, 0, 0});
    }
    bench_model(a, src, variants, sgemm);
  }
  std::printf("\nsgemm at the end: %.0f GFLOP/s\n", sgemm_gflops());
  return 0;
}
