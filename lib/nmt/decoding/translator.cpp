// Translator: text lines → tokenized, length-sorted batches → search → text, in input order.
#include "nmt/decoding/translator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <numeric>

#include "nmt/data/vocab.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

std::vector<int32_t> to_ids32(const std::vector<int64_t>& v) { return std::vector<int32_t>(v.begin(), v.end()); }

}  // namespace

Translator::Translator(Seq2Seq model, Tokenizers tok, SearchOptions opt, int64_t batch_size,
                       torch::Device device, int64_t max_src_len)
    : model_(std::move(model)),
      tok_(std::move(tok)),
      opt_(opt),
      batch_size_(batch_size),
      device_(device),
      max_src_len_(max_src_len) {
  if (!model_) throw UsageError("Translator: no model given");
  if (!tok_.src || !tok_.tgt) throw UsageError("Translator: source and target tokenizers are required");
  if (batch_size_ < 1) throw UsageError("decode batch size must be >= 1, got " + std::to_string(batch_size_));
  if (const int64_t limit = model_->max_source_positions(); limit > 0)  // room for the EOS
    max_src_len_ = max_src_len_ > 0 ? std::min(max_src_len_, limit - 1) : limit - 1;
}

EncodedSource Translator::encode(const std::string& line) const {
  SourceIds s = encode_source(*tok_.src, line, max_src_len_);
  EncodedSource e{std::move(s.ids), s.truncated};
  if (!e.ids.empty()) e.ids.push_back(static_cast<int32_t>(kEosId));  // empty line → empty translation
  return e;
}

std::vector<std::vector<Hypothesis>> Translator::search_batch(const std::vector<const EncodedSource*>& batch,
                                                              const SearchOptions& opt) {
  const auto bsz = static_cast<int64_t>(batch.size());
  int64_t slen = 0;
  for (const auto* e : batch) {
    if (e->ids.empty()) throw UsageError("Translator::search_batch: empty source (empty lines are not searched)");
    slen = std::max(slen, static_cast<int64_t>(e->ids.size()));
  }
  torch::Tensor src = torch::full({bsz, slen}, kPadId, torch::kLong);  // [B, S]
  auto* p = src.data_ptr<int64_t>();
  for (int64_t b = 0; b < bsz; ++b) std::copy(batch[b]->ids.begin(), batch[b]->ids.end(), p + b * slen);
  torch::Tensor mask = src.ne(kPadId);  // [B, S]; real tokens never use the pad id
  auto hyps = search(*model_, src.to(device_), mask.to(device_), opt);
  spdlog::debug("translated batch of {} sentences (source length {})", bsz, slen);
  return hyps;
}

Translation Translator::to_translation(const EncodedSource& src, const std::vector<Hypothesis>& nb,
                                       const SearchOptions& opt) const {
  Translation tr;
  tr.truncated = src.truncated;
  if (nb.empty()) return tr;
  const Hypothesis& best = nb.front();
  tr.text = tok_.tgt->decode(to_ids32(best.tokens));
  tr.tokens = best.tokens;
  tr.score = best.score;
  tr.tgt_tokens = static_cast<int64_t>(best.tokens.size()) + 1;
  if (opt.nbest > 1)
    for (const auto& h : nb) tr.nbest.emplace_back(tok_.tgt->decode(to_ids32(h.tokens)), h.score);
  if (opt.want_attention) {
    tr.src_pieces = source_pieces(src);
    tr.tgt_pieces = tok_.tgt->pieces(to_ids32(best.tokens));
    tr.tgt_pieces.push_back("</s>");
    tr.attention = best.attention;  // [T, S_real]
  }
  return tr;
}

std::vector<std::string> Translator::source_pieces(const EncodedSource& src) const {
  if (src.ids.empty()) return {};
  std::vector<std::string> p = tok_.src->pieces({src.ids.begin(), src.ids.end() - 1});
  p.push_back("</s>");
  return p;
}

std::vector<Translation> Translator::translate(const std::vector<std::string>& lines) {
  std::vector<Translation> out(lines.size());
  std::vector<EncodedSource> enc(lines.size());
  std::vector<size_t> todo;
  for (size_t i = 0; i < lines.size(); ++i) {
    enc[i] = encode(lines[i]);
    if (enc[i].ids.empty()) {
      out[i].truncated = enc[i].truncated;
      continue;
    }
    todo.push_back(i);
  }
  // Longest first, so each batch holds similar lengths (little padding).
  std::stable_sort(todo.begin(), todo.end(),
                   [&](size_t a, size_t b) { return enc[a].ids.size() > enc[b].ids.size(); });

  for (size_t start = 0; start < todo.size(); start += batch_size_) {
    const size_t end = std::min(todo.size(), start + static_cast<size_t>(batch_size_));
    std::vector<const EncodedSource*> batch;
    for (size_t k = start; k < end; ++k) batch.push_back(&enc[todo[k]]);
    const auto hyps = search_batch(batch, opt_);
    for (size_t k = start; k < end; ++k) out[todo[k]] = to_translation(enc[todo[k]], hyps[k - start], opt_);
  }
  return out;
}

}  // namespace nmt
