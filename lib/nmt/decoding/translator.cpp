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

std::vector<Translation> Translator::translate(const std::vector<std::string>& lines) {
  std::vector<Translation> out(lines.size());
  // Source ids (+ EOS), truncated to max_src_len tokens before the EOS.
  std::vector<std::vector<int32_t>> ids(lines.size());
  std::vector<size_t> todo;
  for (size_t i = 0; i < lines.size(); ++i) {
    SourceIds s = encode_source(*tok_.src, lines[i], max_src_len_);
    ids[i] = std::move(s.ids);
    out[i].truncated = s.truncated;
    if (ids[i].empty()) continue;  // empty (or all-whitespace) line → empty translation
    ids[i].push_back(static_cast<int32_t>(kEosId));
    todo.push_back(i);
  }
  // Longest first, so each batch holds similar lengths (little padding).
  std::stable_sort(todo.begin(), todo.end(), [&](size_t a, size_t b) { return ids[a].size() > ids[b].size(); });

  for (size_t start = 0; start < todo.size(); start += batch_size_) {
    const size_t end = std::min(todo.size(), start + static_cast<size_t>(batch_size_));
    const auto bsz = static_cast<int64_t>(end - start);
    const auto slen = static_cast<int64_t>(ids[todo[start]].size());
    torch::Tensor src = torch::full({bsz, slen}, kPadId, torch::kLong);  // [B, S]
    auto* p = src.data_ptr<int64_t>();
    for (int64_t b = 0; b < bsz; ++b) {
      const auto& v = ids[todo[start + b]];
      std::copy(v.begin(), v.end(), p + b * slen);
    }
    torch::Tensor mask = src.ne(kPadId);  // [B, S]; real tokens never use the pad id
    const auto hyps = search(*model_, src.to(device_), mask.to(device_), opt_);
    spdlog::debug("translated batch of {} sentences (source length {})", bsz, slen);

    for (int64_t b = 0; b < bsz; ++b) {
      const size_t i = todo[start + b];
      Translation& tr = out[i];
      const auto& nb = hyps[b];
      if (nb.empty()) continue;
      const Hypothesis& best = nb.front();
      tr.text = tok_.tgt->decode(to_ids32(best.tokens));
      tr.tokens = best.tokens;
      tr.score = best.score;
      tr.tgt_tokens = static_cast<int64_t>(best.tokens.size()) + 1;
      if (opt_.nbest > 1)
        for (const auto& h : nb) tr.nbest.emplace_back(tok_.tgt->decode(to_ids32(h.tokens)), h.score);
      if (opt_.want_attention) {
        std::vector<int32_t> src_ids(ids[i].begin(), ids[i].end() - 1);
        tr.src_pieces = tok_.src->pieces(src_ids);
        tr.src_pieces.push_back("</s>");
        tr.tgt_pieces = tok_.tgt->pieces(to_ids32(best.tokens));
        tr.tgt_pieces.push_back("</s>");
        tr.attention = best.attention;  // [T, S_real]
      }
    }
  }
  return out;
}

}  // namespace nmt
