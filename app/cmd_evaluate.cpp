// nmt evaluate: translate a test set and score it in one go.
#include <chrono>
#include <fstream>
#include <iostream>

#include "cli.h"
#include "nmt/data/corpus.h"
#include "nmt/decoding/translator.h"
#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/device.h"
#include "nmt/util/error.h"

namespace nmt::cli {

void add_evaluate(CLI::App& app, GlobalOptions& g) {
  struct Opts {
    ModelOptions model;  // -m (repeated: an ensemble), --weights, --checkpoint
    std::string src, hyp_out;
    std::vector<std::string> refs;
    int64_t beam_size = 0, batch_size = 0;
    double length_penalty = -1;
    std::string tokenize = "13a";
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("evaluate", "Translate a source file and score it against references: "
                                             "BLEU, chrF, the sacreBLEU signature, and speed");
  add_model_options(sub, o->model);
  sub->add_option("--src", o->src, "Source sentences, one per line")->required();
  sub->add_option("--ref", o->refs, "Reference file (repeat for multiple references)")->required();
  sub->add_option("-k,--beam-size", o->beam_size, "Beam size, 1 = greedy (default: the model's decode.beam_size, 5)")
      ->check(CLI::PositiveNumber);
  sub->add_option("-b,--batch-size", o->batch_size, "Sentences per batch (default: the model's decode.batch_size)");
  sub->add_option("--length-penalty", o->length_penalty, "GNMT alpha (default: the model's decode.length_penalty)");
  sub->add_option("--tokenize", o->tokenize, "BLEU tokenizer: none, 13a, intl or char")
      ->check(CLI::IsMember({"none", "13a", "intl", "char"}))->capture_default_str();
  sub->add_option("--hyp-out", o->hyp_out, "Also write the translations to this file");
  sub->callback([o, &g] {
    torch::Device device = apply_globals(g);
    std::vector<std::string> src = read_lines(o->src);
    const auto refs = read_references(o->refs, o->src, src.size());
    LoadedModel lm = load_models(o->model, device);
    SearchOptions so = search_options(lm.config.decode);
    if (o->beam_size > 0) so.beam_size = o->beam_size;
    so.nbest = 1;
    if (o->length_penalty >= 0) so.length_penalty = o->length_penalty;
    validate_decoding_options(so);
    int64_t batch = o->batch_size > 0 ? o->batch_size : lm.config.decode.batch_size;
    Translator tr(lm.model, lm.tokenizers, so, batch, device, lm.config.data.max_len);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Translation> out = tr.translate(src);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<std::string> hyps;
    int64_t tokens = 0;
    for (auto& t : out) {
      hyps.push_back(t.text);
      tokens += t.tgt_tokens;
    }
    if (!o->hyp_out.empty()) {
      std::ofstream f(o->hyp_out);
      for (auto& h : hyps) f << h << '\n';
      if (!f) throw IoError(o->hyp_out + ": cannot write");
    }
    BleuOptions bo;
    bo.tokenize = o->tokenize;
    BleuResult bleu = corpus_bleu(hyps, refs, bo);
    ChrfResult chrf = corpus_chrf(hyps, refs);
    std::cout << bleu.format() << "\n" << bleu.signature << "\n";
    std::printf("chrF2 = %.2f\n%s\n", chrf.score, chrf.signature.c_str());
    std::printf("speed: %zu sentences in %.2f s: %.2f sentences/s, %.1f target tokens/s (beam %lld, %s, peak RSS %.0f MiB)\n",
                src.size(), secs, src.size() / std::max(secs, 1e-9), tokens / std::max(secs, 1e-9),
                static_cast<long long>(so.beam_size), device.str().c_str(), peak_rss_mib());
  });
}

}  // namespace nmt::cli
