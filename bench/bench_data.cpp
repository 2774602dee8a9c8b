// Data pipeline benchmark: train an 8k joint unigram SentencePiece on the Bible training
// set (once, cached in the model directory), then time reading + encoding the whole training
// set and planning one epoch of batches.
//   bench_data [DATA_DIR=data/bible-es-en] [MODEL_DIR=/tmp/nmt-bench-spm]
#include <chrono>
#include <cstdio>
#include <string>

#include "nmt/data/batcher.h"
#include "nmt/data/corpus.h"
#include "nmt/data/tokenizer.h"
#include "nmt/util/error.h"
#include "nmt/util/runtime_env.h"

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  nmt::reexec_with_tuned_environment(argv);  // threading/BLAS load-time settings
  std::string data = argc > 1 ? argv[1] : "data/bible-es-en";
  std::string model = argc > 2 ? argv[2] : "/tmp/nmt-bench-spm";
  try {
    nmt::FilePair train{data + "/train.es", data + "/train.en"};
    nmt::TokenizerConfig cfg;  // sentencepiece unigram, 8000 pieces, joint
    auto t0 = std::chrono::steady_clock::now();
    auto tok = nmt::prepare_tokenizers(model, cfg, train);
    double t_spm = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    auto text = nmt::read_parallel(train);
    double t_read = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    nmt::CorpusStats st;
    auto enc = nmt::encode_corpus(text, tok, true, 128, 3.0, &st);
    double t_enc = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    nmt::Batcher batcher(enc, 4096, 1);
    double t_plan = seconds_since(t0);

    std::printf("%-34s %10s\n", "step", "value");
    std::printf("%-34s %10.2f s\n", "spm train (or load if cached)", t_spm);
    std::printf("%-34s %10.3f s\n", "read + check train.{es,en}", t_read);
    std::printf("%-34s %10.3f s\n", "encode (both sides)", t_enc);
    std::printf("%-34s %10lld\n", "pairs read", static_cast<long long>(st.read));
    std::printf("%-34s %10lld\n", "pairs kept", static_cast<long long>(st.kept));
    std::printf("%-34s %10.0f\n", "sentences/s encoded (src+tgt)", 2.0 * st.read / t_enc);
    std::printf("%-34s %10lld\n", "target tokens", static_cast<long long>(enc.total_tgt_tokens()));
    std::printf("%-34s %10.3f s (%lld batches)\n", "plan one epoch (4096 tokens)", t_plan,
                static_cast<long long>(batcher.batches_per_epoch()));
  } catch (const nmt::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
