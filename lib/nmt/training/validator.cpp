#include "nmt/training/validator.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "nmt/data/batcher.h"
#include "nmt/data/vocab.h"
#include "nmt/decoding/translator.h"
#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/training/loss.h"

namespace nmt {

Validator::Validator(const Config& cfg, const ParallelText& dev_text, const EncodedCorpus& dev,
                     Tokenizers tok, torch::Device device)
    : cfg_(cfg), text_(dev_text), dev_(dev), tok_(std::move(tok)), device_(device) {}

double Validator::metric_value(const DevResult& r, DevMetric metric) {
  switch (metric) {
    case DevMetric::BLEU: return r.bleu;
    case DevMetric::ChrF: return r.chrf;
    case DevMetric::Loss: return r.loss;
  }
  return r.loss;
}

DevResult Validator::run(const Seq2Seq& model) {
  auto t0 = std::chrono::steady_clock::now();
  DevResult r;
  model->eval();
  {
    torch::NoGradGuard no_grad;
    Batcher batcher(dev_, cfg_.train.batch_tokens, /*seed=*/0, /*shuffle=*/false);
    Batch b;
    double nll = 0;
    int64_t tokens = 0;
    while (batcher.next(&b)) {
      Batch d = b.to(device_);
      auto logits = model->forward(d.src, d.src_mask, d.tgt_in);
      auto sums = label_smoothed_loss(logits, d.tgt_out, 0.0, kPadId);
      nll += sums.nll.item<double>();
      tokens += sums.tokens;
    }
    r.loss = tokens > 0 ? nll / static_cast<double>(tokens) : 0.0;
    r.ppl = std::exp(std::min(r.loss, 100.0));
  }

  size_t n = text_.size();
  if (cfg_.train.val_max_sentences > 0) n = std::min(n, static_cast<size_t>(cfg_.train.val_max_sentences));
  r.sources.assign(text_.src.begin(), text_.src.begin() + static_cast<std::ptrdiff_t>(n));
  r.refs.assign(text_.tgt.begin(), text_.tgt.begin() + static_cast<std::ptrdiff_t>(n));
  SearchOptions so = search_options(cfg_.decode);
  so.beam_size = cfg_.train.val_beam_size;
  so.nbest = 1;
  const int64_t max_src = std::max<int64_t>(cfg_.data.max_len, 256);
  Translator tr(model, tok_, so, cfg_.decode.batch_size, device_, max_src);
  auto out = tr.translate(r.sources);
  r.hyps.reserve(out.size());
  for (auto& t : out) r.hyps.push_back(std::move(t.text));
  if (n > 0) {
    r.bleu = corpus_bleu(r.hyps, {r.refs}).score;
    r.chrf = corpus_chrf(r.hyps, {r.refs}).score;
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace nmt
