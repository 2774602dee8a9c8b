// explain_html: one self-contained page (inline CSS and SVG, no scripts, no network) with the
// same walk-through as the terminal text and a heatmap per head of the chosen layer.
#include <spdlog/fmt/fmt.h>

#include "nmt/explain/explain_detail.h"
#include "nmt/report/charts.h"
#include "nmt/report/svg.h"

namespace nmt {
namespace {
using namespace explain_detail;

HeatmapData heatmap(const Explanation& e, const AttentionTrace& a, const torch::Tensor& weights,
                    const std::string& title) {
  HeatmapData h;
  h.title = title;
  h.src = key_tokens(e, a);
  h.tgt = e.tgt_tokens;
  const torch::Tensor w = weights.to(torch::kCPU, torch::kFloat).contiguous();
  for (int64_t t = 0; t < w.size(0); ++t)
    h.weights.emplace_back(w[t].data_ptr<float>(), w[t].data_ptr<float>() + w.size(1));
  return h;
}

// The chosen layer's heatmaps: per kind, the mean of the heads (when several), then each head.
std::string heatmaps(const Explanation& e, const ExplainRequest& r) {
  std::string out;
  const int64_t layer = explain_layer(e, r);
  for (const auto& kind : kinds(e.trace)) {
    out += fmt::format("<h2>{} — layer {}</h2>\n<div class=\"maps\">\n", xml_escape(kind), layer);
    const auto* head0 = find(e.trace, kind, layer, 0);
    if (e.views.heads > 1 && r.head < 0)
      out += "<figure>" + heatmap_svg(heatmap(e, *head0, mean_weights(e.trace, kind, layer),
                                              fmt::format("{}, layer {}, mean of the heads", kind, layer))) +
             "</figure>\n";
    for (int64_t h = 0; h < std::max<int64_t>(1, e.views.heads); ++h) {
      if (r.head >= 0 && h != r.head) continue;
      if (const auto* a = find(e.trace, kind, layer, h))
        out += "<figure>" + heatmap_svg(heatmap(e, *a, a->weights, fmt::format("{}, layer {}, head {}", kind, layer, h))) +
               "</figure>\n";
    }
    out += "</div>\n";
  }
  if (out.empty()) out = "<p class=\"none\">This model has no attention: there is nothing to draw.</p>\n";
  return out;
}

const char* const kStyle =
    "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,'DejaVu Sans',sans-serif;margin:2em auto;"
    "max-width:1200px;color:#222;padding:0 1em}"
    "pre{background:#f6f8fa;padding:1em;overflow-x:auto;font-size:13px;line-height:1.35;"
    "font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace}"
    ".maps{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0}"
    ".seed{border-left:4px solid #4a7fb5;padding:.2em 1em;color:#444}.none{color:#777}";

}  // namespace

std::string explain_html(const Explanation& e, const ExplainRequest& r) {
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n";
  page += "<title>nmt explain: " + xml_escape(e.source) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  page += "<h1>Attention, worked through</h1>\n";
  page += "<p><b>" + xml_escape(e.source) + "</b> → <b>" + xml_escape(e.translation) + "</b> (" +
          xml_escape(e.model_title) + ")</p>\n";
  page += "<p class=\"seed\">The worked example this follows: scores q·k₁ = 112 and q·k₂ = 96, divided by √d_k = 8, "
          "give 14 and 12; the softmax gives 0.88 and 0.12; the output is 0.88·v₁ + 0.12·v₂. Below, the same "
          "steps with this model's own numbers.</p>\n";
  page += "<pre>" + xml_escape(explain_text(e, r)) + "</pre>\n";
  page += heatmaps(e, r);
  page += "</body>\n</html>\n";
  return page;
}

}  // namespace nmt
