// Attention heatmaps: SVG for reports, Unicode shades for terminals.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "nmt/report/charts.h"
#include "nmt/report/svg.h"

namespace nmt {
namespace {

// Sequential white → dark blue scale (five stops, linear in RGB between them).
std::string shade(double w) {
  const auto& stops = heatmap_color_stops();
  if (!std::isfinite(w)) return "#dddddd";
  w = std::clamp(w, 0.0, 1.0) * 4.0;
  int i = std::min(3, static_cast<int>(w));
  double t = w - i;
  char buf[8];
  int rgb[3];
  for (int k = 0; k < 3; ++k)
    rgb[k] = static_cast<int>(std::lround(stops[i][k] + (stops[i + 1][k] - stops[i][k]) * t));
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return buf;
}

float weight_at(const std::vector<std::vector<float>>& w, size_t t, size_t s) {
  if (t >= w.size() || s >= w[t].size()) return NAN;
  return w[t][s];
}

// Rows and columns to draw: the larger of the labels and the weights in each direction.
std::pair<size_t, size_t> grid_size(const std::vector<std::string>& src, const std::vector<std::string>& tgt,
                                    const std::vector<std::vector<float>>& w) {
  size_t cols = src.size();
  for (const auto& row : w) cols = std::max(cols, row.size());
  return {std::max(tgt.size(), w.size()), cols};
}

std::string label_at(const std::vector<std::string>& v, size_t i) { return i < v.size() ? v[i] : ""; }

// Where everything goes: cell size, label room, the grid and the colour scale.
struct HeatmapLayout {
  size_t rows = 0, cols = 0;
  double cell = 0, font = 0;
  double left = 0, top = 0, grid_w = 0, grid_h = 0;
  double scale_x = 0, scale_h = 0;
  double width = 0, height = 0;
  std::string title;
  static constexpr size_t kMaxLabel = 18;
};

HeatmapLayout layout_of(const HeatmapData& h) {
  HeatmapLayout l;
  std::tie(l.rows, l.cols) = grid_size(h.src, h.tgt, h.weights);
  const size_t longest = std::max<size_t>({l.rows, l.cols, 1});
  l.cell = std::clamp(std::floor(880.0 / longest), 8.0, 30.0);
  l.font = std::clamp(l.cell - 2, 8.0, 12.0);
  double src_w = 0, tgt_w = 0;
  for (size_t j = 0; j < l.cols; ++j)
    src_w = std::max(src_w, text_width_px(utf8_truncate(label_at(h.src, j), HeatmapLayout::kMaxLabel), l.font));
  for (size_t i = 0; i < l.rows; ++i)
    tgt_w = std::max(tgt_w, text_width_px(utf8_truncate(label_at(h.tgt, i), HeatmapLayout::kMaxLabel), l.font));
  // Source labels are rotated -60°: they rise src_w·sin60 and lean right src_w·cos60.
  const double title_h = h.title.empty() ? 14 : 38;
  l.left = std::max(60.0, tgt_w + 16);
  l.top = title_h + src_w * 0.87 + 14;
  l.grid_w = l.cell * l.cols;
  l.grid_h = l.cell * l.rows;
  l.scale_x = l.left + l.grid_w + std::max(24.0, src_w * 0.5 - l.cell * 0.5 + 8);
  l.scale_h = std::clamp(l.grid_h, 100.0, 240.0);
  l.title = utf8_truncate(h.title, 120);
  l.width = std::max(l.scale_x + 70, text_width_px(l.title, 14) * 1.1 + 30);
  l.height = l.top + std::max(l.grid_h, l.scale_h) + 40;
  return l;
}

// Source labels along the top (rotated), target labels down the left.
void draw_labels(Svg& svg, const HeatmapData& h, const HeatmapLayout& l) {
  svg.open("g", {{"font-size", svg_num(l.font)}, {"fill", "#333"}});
  for (size_t j = 0; j < l.cols; ++j) {
    const double x = l.left + l.cell * (j + 0.5), y = l.top - 6;
    svg.text(x, y, utf8_truncate(label_at(h.src, j), HeatmapLayout::kMaxLabel),
             {{"transform", "rotate(-60 " + svg_num(x) + " " + svg_num(y) + ")"}});
  }
  for (size_t i = 0; i < l.rows; ++i)
    svg.text(l.left - 6, l.top + l.cell * (i + 0.5) + l.font * 0.35,
             utf8_truncate(label_at(h.tgt, i), HeatmapLayout::kMaxLabel), {{"text-anchor", "end"}});
  svg.close();
}

// The weight cells. Background = weight 0; on large maps only visible cells are drawn (and no
// tooltips), so 100×100 maps stay small.
void draw_cells(Svg& svg, const HeatmapData& h, const HeatmapLayout& l) {
  svg.rect(l.left, l.top, l.grid_w, l.grid_h, {{"fill", shade(0)}});
  const bool tooltips = l.rows * l.cols <= 2500;
  svg.open("g", {{"shape-rendering", "crispEdges"}});
  for (size_t i = 0; i < l.rows; ++i) {
    for (size_t j = 0; j < l.cols; ++j) {
      const float w = weight_at(h.weights, i, j);
      if (std::isfinite(w) && w < 0.01f && !tooltips) continue;
      SvgAttrs a{{"x", svg_num(l.left + l.cell * j)}, {"y", svg_num(l.top + l.cell * i)},
                 {"width", svg_num(l.cell)}, {"height", svg_num(l.cell)}, {"fill", shade(w)}};
      if (!tooltips) {
        svg.element("rect", a);
        continue;
      }
      svg.open("rect", a);
      svg.tooltip(label_at(h.tgt, i) + " \xE2\x86\x90 " + label_at(h.src, j) + ": " +
                  (std::isfinite(w) ? svg_num(w, 3) : std::string("n/a")));
      svg.close();
    }
  }
  svg.close();
  svg.rect(l.left, l.top, l.grid_w, l.grid_h, {{"fill", "none"}, {"stroke", "#888"}, {"stroke-width", "1"}});
  if (l.rows == 0 || l.cols == 0)
    svg.text(l.left + 4, l.top + 16, "n/a (no attention weights)", {{"fill", "#777"}});
}

// Colour scale: stacked bands from 1 (top) to 0 (bottom), with three labels.
void draw_scale(Svg& svg, const HeatmapLayout& l) {
  const int bands = 40;
  svg.open("g", {{"shape-rendering", "crispEdges"}});
  for (int b = 0; b < bands; ++b) {
    const double w = 1.0 - (b + 0.5) / bands;
    svg.rect(l.scale_x, l.top + l.scale_h * b / bands, 14, l.scale_h / bands + 0.5, {{"fill", shade(w)}});
  }
  svg.close();
  svg.rect(l.scale_x, l.top, 14, l.scale_h, {{"fill", "none"}, {"stroke", "#888"}});
  for (double v : {0.0, 0.5, 1.0}) {
    const double y = l.top + l.scale_h * (1 - v);
    svg.line(l.scale_x + 14, y, l.scale_x + 18, y, {{"stroke", "#444"}});
    svg.text(l.scale_x + 21, y + 4, svg_num(v, 1), {{"font-size", "11"}, {"fill", "#333"}});
  }
  svg.text(l.scale_x, l.top + l.scale_h + 18, "weight", {{"font-size", "11"}, {"fill", "#333"}});
}

}  // namespace

const std::vector<std::vector<int>>& heatmap_color_stops() {
  static const std::vector<std::vector<int>> stops{
      {247, 251, 255}, {198, 219, 239}, {107, 174, 214}, {33, 113, 181}, {8, 48, 107}};
  return stops;
}

std::string heatmap_svg(const HeatmapData& h) {
  const HeatmapLayout l = layout_of(h);
  Svg svg(l.width, l.height, h.title);
  if (!l.title.empty())
    svg.text(10, 24, l.title, {{"font-size", "14"}, {"font-weight", "bold"}, {"fill", "#222"}});
  draw_labels(svg, h, l);
  draw_cells(svg, h, l);
  draw_scale(svg, l);
  return svg.str();
}

std::string text_heatmap(const std::vector<std::string>& src, const std::vector<std::string>& tgt,
                         const std::vector<std::vector<float>>& weights) {
  static const char* const shades[5] = {" ", "\xE2\x96\x91", "\xE2\x96\x92", "\xE2\x96\x93",
                                        "\xE2\x96\x88"};
  const auto [rows, cols] = grid_size(src, tgt, weights);
  if (rows == 0 || cols == 0) return "(no attention weights)\n";
  const size_t max_label = 16, max_height = 12;

  size_t label_w = 0;
  std::vector<std::string> row_labels(rows);
  for (size_t i = 0; i < rows; ++i) {
    row_labels[i] = utf8_truncate(label_at(tgt, i), max_label);
    label_w = std::max(label_w, utf8_length(row_labels[i]));
  }
  std::vector<std::vector<std::string>> col_chars(cols);
  size_t height = 0;
  for (size_t j = 0; j < cols; ++j) {
    col_chars[j] = utf8_code_points(utf8_truncate(label_at(src, j), max_height));
    for (auto& ch : col_chars[j])
      if (ch == " " || ch == "\t" || ch == "\n" || ch == "\r") ch = "\xC2\xB7";  // ·
    height = std::max(height, col_chars[j].size());
  }

  std::string out;
  auto pad = [&](const std::string& s) { return s + std::string(label_w - utf8_length(s), ' '); };
  // Source tokens written top-down, bottom-aligned against the grid.
  for (size_t r = 0; r < height; ++r) {
    std::string line = pad("") + " \xE2\x94\x82";  // │
    for (size_t j = 0; j < cols; ++j) {
      size_t off = height - col_chars[j].size();
      line += r >= off ? col_chars[j][r - off] : " ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out += std::string(label_w, ' ') + " \xE2\x94\xBC";  // ┼
  for (size_t j = 0; j < cols; ++j) out += "\xE2\x94\x80";  // ─
  out += "\n";
  for (size_t i = 0; i < rows; ++i) {
    out += pad(row_labels[i]) + " \xE2\x94\x82";
    for (size_t j = 0; j < cols; ++j) {
      float w = weight_at(weights, i, j);
      int level = std::isfinite(w) ? std::clamp(static_cast<int>(w * 5.0f), 0, 4) : 0;
      out += shades[level];
    }
    out += "\n";
  }
  return out;
}

}  // namespace nmt
