// Decoding benchmark: speed at beam 1 and 5 over a test set, per-token cost at output lengths
// 10 and 100 (K/V cache check), and resident memory over repeated passes (leak check).
//
//   bench_decode --src data/bible-es-en/test.es --threads 2 [--repeat 20] [--repeat-beam 5] MODEL_DIR...
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "nmt/data/corpus.h"
#include "nmt/data/vocab.h"
#include "nmt/decoding/translator.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/device.h"
#include "nmt/util/logging.h"
#include "nmt/util/runtime_env.h"

using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Milliseconds per decoder step when generating exactly `steps` tokens for `batch` sentences
// of `src_len` tokens, through encode/start/step (EOS ignored).
static double ms_per_step(nmt::Seq2SeqImpl& model, int64_t batch, int64_t src_len, int64_t steps) {
  torch::NoGradGuard ng;
  torch::manual_seed(1);
  int64_t v = model.target_vocab();
  torch::Tensor src = torch::randint(nmt::kNumSpecial, std::min<int64_t>(v, 200), {batch, src_len}, torch::kLong);
  torch::Tensor mask = torch::ones({batch, src_len}, torch::kBool);
  nmt::EncoderOut enc = model.encode(src, mask);
  nmt::DecoderState st = model.start(enc);
  torch::Tensor prev = torch::full({batch}, nmt::kBosId, torch::kLong);
  auto t1 = Clock::now();
  for (int64_t t = 0; t < steps; ++t) {
    nmt::StepOut o = model.step(prev, st);
    prev = o.logits.argmax(-1);
  }
  return seconds_since(t1) * 1000.0 / static_cast<double>(steps);
}

int main(int argc, char** argv) {
  nmt::reexec_with_tuned_environment(argv);  // threading/BLAS load-time settings
  std::string src_path;
  int threads = 0, repeat = 0, repeat_beam = 5;
  std::vector<std::string> models;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--src" && i + 1 < argc) src_path = argv[++i];
    else if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--repeat" && i + 1 < argc) repeat = std::stoi(argv[++i]);
    else if (a == "--repeat-beam" && i + 1 < argc) repeat_beam = std::stoi(argv[++i]);
    else models.push_back(a);
  }
  if (src_path.empty() || models.empty()) {
    std::fprintf(stderr, "usage: bench_decode --src FILE [--threads N] [--repeat N] [--repeat-beam K] MODEL_DIR...\n");
    return 2;
  }
  nmt::setup_logging("warn");
  int n_threads = nmt::set_threads(threads);
  std::vector<std::string> src = nmt::read_lines(src_path);
  std::printf("decode benchmark: %zu sentences from %s, %d threads, CPU\n\n", src.size(), src_path.c_str(), n_threads);
  std::printf("%-28s %5s %10s %12s %14s\n", "model", "beam", "sent/s", "tgt tok/s", "peak RSS MiB");
  for (const auto& dir : models) {
    nmt::reset_peak_rss();  // peak memory per model, not since the process started
    nmt::LoadedModel lm = nmt::load_model_dir(dir, torch::Device(torch::kCPU));
    // The model's own decode settings (max length, length penalty); only the beam varies.
    auto search_options = [&lm](int64_t beam) {
      nmt::SearchOptions so = nmt::search_options(lm.config.decode);
      so.beam_size = beam;
      so.nbest = 1;
      return so;
    };
    for (int64_t beam : {1, 5}) {
      nmt::SearchOptions so = search_options(beam);
      nmt::Translator tr(lm.model, lm.tokenizers, so, lm.config.decode.batch_size, torch::Device(torch::kCPU),
                         lm.config.data.max_len);
      auto t0 = Clock::now();
      auto out = tr.translate(src);
      double secs = seconds_since(t0);
      int64_t toks = 0;
      for (auto& t : out) toks += t.tgt_tokens;
      std::printf("%-28s %5lld %10.2f %12.1f %14.0f\n", lm.config.name.c_str(), static_cast<long long>(beam),
                  src.size() / secs, toks / secs, nmt::peak_rss_mib());
      std::fflush(stdout);
    }
    // Per-token cost at short and long outputs (beam 5 ≈ 5 hypotheses for one sentence).
    double ms10 = ms_per_step(*lm.model, 5, 30, 10);
    double ms100 = ms_per_step(*lm.model, 5, 30, 100);
    std::printf("%-28s per-step cost, 5 hypotheses: %.2f ms at 10 tokens, %.2f ms at 100 tokens (ratio %.2f)\n",
                lm.config.name.c_str(), ms10, ms100, ms100 / ms10);
    if (repeat > 0) {
      nmt::SearchOptions so = search_options(repeat_beam);
      nmt::Translator tr(lm.model, lm.tokenizers, so, lm.config.decode.batch_size, torch::Device(torch::kCPU),
                         lm.config.data.max_len);
      std::printf("%-28s RSS after each of %d passes at beam %d (MiB):", lm.config.name.c_str(), repeat, repeat_beam);
      for (int r = 0; r < repeat; ++r) {
        tr.translate(src);
        std::printf(" %.0f", nmt::current_rss_mib());
        std::fflush(stdout);
      }
      std::printf("\n");
    }
  }
  return 0;
}
