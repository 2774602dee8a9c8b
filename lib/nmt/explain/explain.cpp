// explain(): the sentence, its translation (or a forced target) and the model's trace.
#include "nmt/explain/explain.h"

#include "nmt/data/vocab.h"
#include "nmt/decoding/translator.h"
#include "nmt/util/error.h"
#include "nmt/util/utf8.h"

namespace nmt {
namespace {

std::vector<int32_t> ids32(const std::vector<int64_t>& v) { return std::vector<int32_t>(v.begin(), v.end()); }

void check_request(const ExplainRequest& r, const AttentionViews& v) {
  if (r.source.empty()) throw UsageError("explain: give a sentence to explain");
  if (!valid_utf8(r.source)) throw UsageError("explain: the sentence is not valid UTF-8");
  if (!valid_utf8(r.target)) throw UsageError("explain: --target is not valid UTF-8");
  if (r.step < 0) throw UsageError("explain: --step must be >= 1 (or 0 for every step), got " + std::to_string(r.step));
  if (r.dims < 1) throw UsageError("explain: --dims must be >= 1, got " + std::to_string(r.dims));
  if (v.layers == 0 && (r.layer != -1 || r.head != -1))
    throw UsageError("explain: this model has no attention, so --layer and --head do not apply");
  if (r.layer < -1 || (v.layers > 0 && r.layer >= v.layers))
    throw UsageError("explain: --layer " + std::to_string(r.layer) + " out of range: the model has " +
                     std::to_string(v.layers) + " attention layer(s), 0.." + std::to_string(v.layers - 1));
  if (r.head < -1 || (v.heads > 0 && r.head >= v.heads))
    throw UsageError("explain: --head " + std::to_string(r.head) + " out of range: the model has " +
                     std::to_string(v.heads) + " head(s), 0.." + std::to_string(v.heads - 1));
}

// The longest source the translator would feed this model (same rule as Translator).
int64_t source_cap(const LoadedModel& lm) {
  int64_t cap = lm.config.data.max_len;
  if (const int64_t limit = lm.model->max_source_positions(); limit > 0) cap = std::min(cap, limit - 1);
  return cap;
}

// The target ids: the forced target, or the model's own best translation (its decode settings).
std::vector<int64_t> target_ids(LoadedModel& lm, const ExplainRequest& r, const torch::Device& device,
                                Explanation& e) {
  if (!r.target.empty()) {
    e.forced = true;
    e.translation = r.target;
    std::vector<int32_t> ids = lm.tokenizers.tgt->encode(r.target);
    if (ids.empty()) throw UsageError("explain: --target has no tokens");
    return std::vector<int64_t>(ids.begin(), ids.end());
  }
  SearchOptions so = search_options(lm.config.decode);
  so.nbest = 1;
  Translator tr(lm.model, lm.tokenizers, so, /*batch_size=*/1, device, lm.config.data.max_len);
  Translation t = tr.translate({r.source}).at(0);
  e.translation = t.text;
  return t.tokens;
}

// p(written token) and the three likeliest tokens at every step. logits: [T, V].
void fill_probabilities(const torch::Tensor& logits, const std::vector<int64_t>& written, const Tokenizer& tgt,
                        Explanation& e) {
  const torch::Tensor p = torch::softmax(logits.to(torch::kCPU, torch::kDouble), -1);
  const auto [top_p, top_i] = p.topk(std::min<int64_t>(3, p.size(1)), -1);
  for (size_t t = 0; t < written.size(); ++t) {
    e.probability.push_back(p[static_cast<int64_t>(t)][written[t]].item<double>());
    std::vector<std::pair<std::string, double>> alt;
    for (int64_t k = 0; k < top_p.size(1); ++k) {
      const int32_t id = static_cast<int32_t>(top_i[static_cast<int64_t>(t)][k].item<int64_t>());
      alt.emplace_back(id == kEosId ? "</s>" : tgt.pieces({id}).at(0), top_p[static_cast<int64_t>(t)][k].item<double>());
    }
    e.alternatives.push_back(std::move(alt));
  }
}

}  // namespace

int64_t explain_layer(const Explanation& e, const ExplainRequest& r) {
  return r.layer >= 0 ? r.layer : std::max<int64_t>(0, e.views.layers - 1);
}

Explanation explain(LoadedModel& lm, const ExplainRequest& r, const torch::Device& device) {
  Explanation e;
  e.views = lm.model->attention_views();
  check_request(r, e.views);
  e.model_title = lm.model->title();
  e.weights = lm.weights;
  e.source = r.source;
  std::vector<int32_t> src = lm.tokenizers.src->encode(r.source);
  if (src.empty()) throw UsageError("explain: the sentence has no tokens");
  if (static_cast<int64_t>(src.size()) > source_cap(lm)) {
    src.resize(static_cast<size_t>(source_cap(lm)));
    e.truncated = true;
  }
  std::vector<int64_t> tgt = target_ids(lm, r, device, e);
  if (const int64_t limit = lm.model->max_target_positions(); limit > 0 && static_cast<int64_t>(tgt.size()) + 1 > limit)
    throw UsageError("explain: the target has " + std::to_string(tgt.size()) + " tokens; this model reads at most " +
                     std::to_string(limit - 1));
  const auto T = static_cast<int64_t>(tgt.size()) + 1;  // the steps: every token, then EOS
  if (r.step > T)
    throw UsageError("explain: --step " + std::to_string(r.step) + " is past the end: the translation has " +
                     std::to_string(T) + " steps (1.." + std::to_string(T) + ", the last writes </s>)");

  e.src_tokens = lm.tokenizers.src->pieces(src);
  e.src_tokens.push_back("</s>");
  e.tgt_tokens = lm.tokenizers.tgt->pieces(ids32(tgt));
  e.tgt_inputs = e.tgt_tokens;
  e.tgt_tokens.push_back("</s>");
  e.tgt_inputs.insert(e.tgt_inputs.begin(), "<s>");

  std::vector<int64_t> src64(src.begin(), src.end());
  src64.push_back(kEosId);
  std::vector<int64_t> tgt_in{kBosId};
  tgt_in.insert(tgt_in.end(), tgt.begin(), tgt.end());
  const auto src_t = torch::tensor(src64, torch::kLong).unsqueeze(0).to(device);  // [1, S]
  const auto tgt_t = torch::tensor(tgt_in, torch::kLong).unsqueeze(0).to(device);  // [1, T]
  lm.model->eval();
  torch::NoGradGuard no_grad;
  e.trace = lm.model->trace(src_t, torch::ones_like(src_t, torch::kBool), tgt_t);
  std::vector<int64_t> written = tgt;
  written.push_back(kEosId);
  fill_probabilities(e.trace.logits, written, *lm.tokenizers.tgt, e);
  return e;
}

}  // namespace nmt
