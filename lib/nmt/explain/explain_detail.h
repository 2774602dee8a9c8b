// Helpers shared by the explain renderers (not part of the public API).
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "nmt/explain/explain.h"

namespace nmt::explain_detail {

// The trace of `name` at (layer, head), or nullptr.
inline const AttentionTrace* find(const ModelTrace& t, const std::string& name, int64_t layer, int64_t head) {
  for (const auto& a : t.attention)
    if (a.name == name && a.layer == layer && a.head == head) return &a;
  return nullptr;
}

// The kinds of attention the model traced, source-side first, in trace order.
inline std::vector<std::string> kinds(const ModelTrace& t) {
  std::vector<std::string> out;
  for (bool source : {true, false})
    for (const auto& a : t.attention)
      if (a.keys_are_source == source && std::find(out.begin(), out.end(), a.name) == out.end()) out.push_back(a.name);
  return out;
}

// The key tokens of a trace: source tokens, or the target tokens read so far.
inline const std::vector<std::string>& key_tokens(const Explanation& e, const AttentionTrace& a) {
  return a.keys_are_source ? e.src_tokens : e.tgt_inputs;
}

// √d_k of a dot-product trace (1 for additive energies).
inline double sqrt_dk(const AttentionTrace& a) {
  return a.dot_product ? std::sqrt(static_cast<double>(a.query.size(1))) : 1.0;
}

// Row t of a [T, K] (or [T, d]) tensor as doubles.
inline std::vector<double> row(const torch::Tensor& m, int64_t t) {
  const torch::Tensor r = m[t].to(torch::kCPU, torch::kDouble).contiguous();
  return std::vector<double>(r.data_ptr<double>(), r.data_ptr<double>() + r.numel());
}

// The raw scores q_t·k_j of a dot-product trace (additive: the energies), in double.
inline std::vector<double> raw_scores(const AttentionTrace& a, int64_t t) {
  if (!a.dot_product) return row(a.scores, t);
  const torch::Tensor q = a.query[t].to(torch::kCPU, torch::kDouble);
  const torch::Tensor k = a.keys.to(torch::kCPU, torch::kDouble);
  return row(torch::matmul(k, q).unsqueeze(0), 0);
}

// The mean over heads of one kind's weights at `layer`: [T, K].
inline torch::Tensor mean_weights(const ModelTrace& t, const std::string& name, int64_t layer) {
  std::vector<torch::Tensor> w;
  for (const auto& a : t.attention)
    if (a.name == name && a.layer == layer) w.push_back(a.weights.to(torch::kCPU, torch::kFloat));
  return w.empty() ? torch::Tensor() : torch::stack(w).mean(0);
}

}  // namespace nmt::explain_detail
