// explain_json: the same numbers as the text, machine-readable. Per explained step, and per
// layer, head and kind of attention: d_k, the key tokens, scores (q·k), scaled (÷ √d_k; the
// additive energies need no scaling), weights, masked, and the first `dims` numbers of q, k_j
// and the weighted sum.
#include "nmt/explain/explain_detail.h"

namespace nmt {
namespace {
using namespace explain_detail;

std::vector<double> first(const std::vector<double>& v, int64_t dims) {
  return std::vector<double>(v.begin(), v.begin() + std::min<int64_t>(dims, static_cast<int64_t>(v.size())));
}

Json attention_json(const Explanation& e, const AttentionTrace& a, int64_t t, int64_t dims) {
  Json j;
  j["name"] = a.name;
  j["layer"] = a.layer;
  j["head"] = a.head;
  j["keys"] = a.keys_are_source ? "source" : "target";
  j["tokens"] = key_tokens(e, a);
  j["d_k"] = a.dot_product ? Json(a.query.size(1)) : Json(nullptr);
  const std::vector<double> raw = raw_scores(a, t), scaled = row(a.scores, t);
  j["scores"] = raw;
  j["scaled"] = scaled;
  j["weights"] = row(a.weights, t);
  std::vector<bool> masked;
  const torch::Tensor allowed = a.mask[t].to(torch::kCPU);
  for (int64_t k = 0; k < allowed.size(0); ++k) masked.push_back(!allowed[k].item<bool>());
  j["masked"] = masked;
  j["query"] = first(row(a.query, t), dims);
  Json keys = Json::array();
  for (int64_t k = 0; k < a.keys.size(0); ++k) keys.push_back(first(row(a.keys, k), dims));
  j["key_vectors"] = keys;
  j["output"] = first(row(a.output, t), dims);
  return j;
}

}  // namespace

Json explain_json(const Explanation& e, const ExplainRequest& r) {
  Json out;
  out["model"] = {{"title", e.model_title},
                  {"weights", e.weights},
                  {"attention", e.views.name},
                  {"layers", e.views.layers},
                  {"heads", e.views.heads}};
  out["source"] = e.source;
  out["source_tokens"] = e.src_tokens;
  out["translation"] = e.translation;
  out["teacher_forced"] = e.forced;
  out["target_tokens"] = e.tgt_tokens;
  out["target_inputs"] = e.tgt_inputs;
  out["dims_shown"] = r.dims;
  out["notes"] = e.trace.notes;
  Json steps = Json::array();
  for (size_t t = 0; t < e.tgt_tokens.size(); ++t) {
    if (r.step > 0 && static_cast<int64_t>(t) + 1 != r.step) continue;
    Json s;
    s["step"] = t + 1;
    s["reads"] = e.tgt_inputs[t];
    s["writes"] = e.tgt_tokens[t];
    s["probability"] = e.probability[t];
    Json att = Json::array();
    for (const auto& a : e.trace.attention)
      if ((r.layer < 0 || a.layer == r.layer) && (r.head < 0 || a.head == r.head))
        att.push_back(attention_json(e, a, static_cast<int64_t>(t), r.dims));
    s["attention"] = att;
    steps.push_back(s);
  }
  out["steps"] = steps;
  return out;
}

}  // namespace nmt
