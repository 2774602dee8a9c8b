// explain_text: the walk-through for a terminal, in the order of the seeds' worked example —
// query and keys, q·k, ÷ √d_k, softmax, the weighted sum — with the model's numbers.
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <numeric>

#include "nmt/explain/explain_detail.h"
#include "nmt/util/utf8.h"

namespace nmt {
namespace {
using namespace explain_detail;

std::string pad(const std::string& s, size_t width) {
  const size_t n = utf8_length(s);
  return n >= width ? s : s + std::string(width - n, ' ');
}

// "[ 0.412, -1.203, 0.331, 0.967, … ]" — the first `dims` numbers of a vector.
std::string vec(const std::vector<double>& v, int64_t dims) {
  std::string s = "[";
  const auto n = std::min<size_t>(v.size(), static_cast<size_t>(dims));
  for (size_t i = 0; i < n; ++i) s += fmt::format("{}{:7.3f}", i ? "," : "", v[i]);
  return s + (n < v.size() ? ", … ]" : " ]");
}

// The three largest weights of a row: "▁Dios 0.83  ▁dijo 0.10  : 0.04".
std::string top_weights(const std::vector<double>& w, const std::vector<std::string>& tokens) {
  std::vector<size_t> idx(w.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return w[a] > w[b]; });
  std::string s;
  for (size_t k = 0; k < std::min<size_t>(3, idx.size()); ++k)
    s += fmt::format("{}{} {:.2f}", k ? "  " : "", idx[k] < tokens.size() ? tokens[idx[k]] : "?", w[idx[k]]);
  return s;
}

std::string header(const Explanation& e) {
  std::string tokens;
  for (const auto& t : e.src_tokens) tokens += (tokens.empty() ? "" : " ") + t;
  std::string out = fmt::format("Source:  {}\n         {}   ({} tokens{})\n", e.source, tokens, e.src_tokens.size(),
                                e.truncated ? ", truncated to the model's maximum" : "");
  out += fmt::format("Output:  {}   [{}]\n", e.translation,
                     e.forced ? "given with --target, teacher-forced" : "the model's own translation");
  if (e.views.layers > 0)
    out += fmt::format("Model:   {}: {} attention layer(s) × {} head(s) of {}  ({})\n\n", e.model_title,
                       e.views.layers, e.views.heads, e.views.name, e.weights);
  else
    out += fmt::format("Model:   {}  ({})\n\n", e.model_title, e.weights);
  return out;
}

std::string step_line(const Explanation& e, size_t t) {
  std::string alt;
  for (const auto& [tok, p] : e.alternatives[t]) alt += fmt::format("{}{} {:.3f}", alt.empty() ? "" : ", ", tok, p);
  return fmt::format("Step {} of {}: reading \"{}\", the model writes \"{}\" (p = {:.3f}; likeliest: {})\n", t + 1,
                     e.tgt_tokens.size(), e.tgt_inputs[t], e.tgt_tokens[t], e.probability[t], alt);
}

std::string notes(const Explanation& e) {
  std::string out = "How the pieces fit:\n";
  for (const auto& n : e.trace.notes) out += "  " + n + "\n";
  return out;
}

// Every step, briefly: what it writes and where it looks (the chosen layer; a head or the mean).
std::string overview(const Explanation& e, const ExplainRequest& r) {
  std::string out;
  const auto k = kinds(e.trace);
  const int64_t layer = explain_layer(e, r);
  torch::Tensor w;
  if (!k.empty()) {
    const auto* one = find(e.trace, k[0], layer, std::max<int64_t>(r.head, 0));
    w = (r.head >= 0 || e.views.heads <= 1) ? one->weights.to(torch::kCPU, torch::kFloat)
                                            : mean_weights(e.trace, k[0], layer);
    out += fmt::format("Where each step looks: {}, layer {}{}, {}.\n", k[0], layer,
                       layer == e.views.layers - 1 ? " (the last)" : "",
                       r.head >= 0 || e.views.heads <= 1 ? fmt::format("head {}", std::max<int64_t>(r.head, 0))
                                                         : fmt::format("mean of the {} heads", e.views.heads));
  }
  out += fmt::format("\n  step  {} {:>6}  {}\n", pad("writes", 14), "p", k.empty() ? "" : "looks most at");
  for (size_t t = 0; t < e.tgt_tokens.size(); ++t)
    out += fmt::format("  {:>4}  {} {:6.3f}  {}\n", t + 1, pad(e.tgt_tokens[t], 14), e.probability[t],
                       k.empty() ? "" : top_weights(row(w, static_cast<int64_t>(t)), e.src_tokens));
  out += "\n" + notes(e);
  out += fmt::format("\nThe full computation of one step: --step N (1..{}){}.\n", e.tgt_tokens.size(),
                     e.views.layers > 0 ? ", with --layer and --head" : "");
  return out;
}

std::string intro(const Explanation& e, const AttentionTrace& a, size_t t) {
  if (!a.dot_product)
    return "  The query is the decoder's previous state s; each source state h_j is scored by\n"
           "  e_j = vᵀ tanh(W·s + U·h_j). No division by √d_k here: the small scoring network learns its scale.\n";
  if (a.keys_are_source)
    return fmt::format("  The query q is what step {} is looking for; the keys k_j are the catalogue of the source\n"
                       "  tokens; the values v_j are the books it takes home.\n",
                       t + 1);
  return fmt::format("  Step {} looks back at the {} target token(s) read so far; later positions are masked:\n"
                     "  −∞ before the softmax, so weight 0.\n",
                     t + 1, t + 1);
}

// One attention (one layer, one head) at step t, worked through.
std::string attention_at(const Explanation& e, const AttentionTrace& a, size_t t, int64_t dims) {
  const auto T = static_cast<int64_t>(t);
  const auto& toks = key_tokens(e, a);
  const std::vector<double> raw = raw_scores(a, T), scaled = row(a.scores, T), w = row(a.weights, T);
  const std::vector<double> q = row(a.query, T);
  const torch::Tensor mask = a.mask[T].to(torch::kCPU);
  const double root = sqrt_dk(a);
  std::string out = fmt::format("-- {} | layer {} | head {} --\n", a.name, a.layer, a.head) + intro(e, a, t);
  if (a.dot_product)
    out += fmt::format("  d_k = {}: every score q·k_j is divided by √{} = {:.2f}.\n", a.query.size(1),
                       a.query.size(1), root);
  out += fmt::format("\n  q = {}   ({} of {} numbers)\n\n", vec(q, dims), std::min<int64_t>(dims, a.query.size(1)),
                     a.query.size(1));
  out += a.dot_product ? fmt::format("  {:>3}  {} {}  {:>9}  {:>9}  {:>7}\n", "j", pad("token", 12),
                                     pad("k_j", 10 + 8 * dims), "q·k_j", fmt::format("÷ {:.2f}", root), "softmax")
                       : fmt::format("  {:>3}  {} {:>9}  {:>7}\n", "j", pad("token", 12), "e_j", "softmax");
  for (size_t j = 0; j < raw.size(); ++j) {
    const bool allowed = mask[static_cast<int64_t>(j)].item<bool>();
    const std::string tok = pad(j < toks.size() ? toks[j] : "?", 12);
    if (a.dot_product)
      out += allowed ? fmt::format("  {:>3}  {} {}  {:9.2f}  {:9.2f}  {:7.3f}\n", j + 1, tok,
                                   pad(vec(row(a.keys, static_cast<int64_t>(j)), dims), 10 + 8 * dims), raw[j],
                                   scaled[j], w[j])
                     : fmt::format("  {:>3}  {} {}  {:>9}  {:>9}  {:7.3f}\n", j + 1, tok,
                                   pad(vec(row(a.keys, static_cast<int64_t>(j)), dims), 10 + 8 * dims), "masked",
                                   "−∞", 0.0);
    else
      out += fmt::format("  {:>3}  {} {:9.3f}  {:7.3f}\n", j + 1, tok, raw[j], w[j]);
  }
  out += fmt::format("\n  Σ_j w_j·v_j = {}   ({} of {}): {}\n", vec(row(a.output, T), dims),
                     std::min<int64_t>(dims, a.output.size(1)), a.output.size(1),
                     a.dot_product ? fmt::format("head {}'s output at step {}", a.head, t + 1)
                                   : fmt::format("the context vector c at step {}", t + 1));
  return out;
}

// The step in full: for each kind, the chosen head worked through and the other heads briefly.
std::string step_detail(const Explanation& e, const ExplainRequest& r, size_t t) {
  std::string out = step_line(e, t) + "\n";
  const int64_t layer = explain_layer(e, r), head = std::max<int64_t>(r.head, 0);
  for (const auto& kind : kinds(e.trace)) {
    const auto* a = find(e.trace, kind, layer, head);
    if (!a) continue;
    out += attention_at(e, *a, t, r.dims);
    if (e.views.heads > 1) {
      out += fmt::format("  The other heads at step {}:", t + 1);
      for (int64_t h = 0; h < e.views.heads; ++h)
        if (h != head)
          if (const auto* o = find(e.trace, kind, layer, h))
            out += fmt::format("\n    head {}: {}", h, top_weights(row(o->weights, static_cast<int64_t>(t)), key_tokens(e, *o)));
      out += "\n";
    }
    out += "\n";
  }
  return out + notes(e);
}

}  // namespace

std::string explain_text(const Explanation& e, const ExplainRequest& r) {
  return header(e) + (r.step == 0 ? overview(e, r) : step_detail(e, r, static_cast<size_t>(r.step - 1)));
}

}  // namespace nmt
