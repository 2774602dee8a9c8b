// Attention heatmaps: SVG for reports, Unicode shades for terminals.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "nmt/report/charts.h"
#include "nmt/report/svg.h"

namespace nmt {
namespace {

// Sequential white → dark blue scale (five stops, linear in RGB between them).
std::string shade(double w) {
  static const double stops[5][3] = {
      {247, 251, 255}, {198, 219, 239}, {107, 174, 214}, {33, 113, 181}, {8, 48, 107}};
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

// Splits `s` into code points (each a UTF-8 byte string).
std::vector<std::string> code_points(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::string label_at(const std::vector<std::string>& v, size_t i) { return i < v.size() ? v[i] : ""; }

}  // namespace

std::string heatmap_svg(const HeatmapData& h) {
  const auto [rows, cols] = grid_size(h.src, h.tgt, h.weights);
  const size_t longest = std::max<size_t>({rows, cols, 1});
  const double cell = std::clamp(std::floor(880.0 / longest), 8.0, 30.0);
  const double font = std::clamp(cell - 2, 8.0, 12.0);
  const size_t max_label = 18;

  double src_w = 0, tgt_w = 0;
  for (size_t j = 0; j < cols; ++j)
    src_w = std::max(src_w, text_width_px(utf8_truncate(label_at(h.src, j), max_label), font));
  for (size_t i = 0; i < rows; ++i)
    tgt_w = std::max(tgt_w, text_width_px(utf8_truncate(label_at(h.tgt, i), max_label), font));

  // Source labels are rotated -60°: they rise src_w·sin60 and lean right src_w·cos60.
  const double title_h = h.title.empty() ? 14 : 38;
  const double left = std::max(60.0, tgt_w + 16);
  const double top = title_h + src_w * 0.87 + 14;
  const double grid_w = cell * cols, grid_h = cell * rows;
  const double scale_x = left + grid_w + std::max(24.0, src_w * 0.5 - cell * 0.5 + 8);
  const double scale_h = std::clamp(grid_h, 100.0, 240.0);
  const std::string title = utf8_truncate(h.title, 120);
  const double width = std::max(scale_x + 70, text_width_px(title, 14) * 1.1 + 30);
  const double height = top + std::max(grid_h, scale_h) + 40;

  Svg svg(width, height, h.title);
  if (!title.empty())
    svg.text(10, 24, title, {{"font-size", "14"}, {"font-weight", "bold"}, {"fill", "#222"}});

  svg.open("g", {{"font-size", svg_num(font)}, {"fill", "#333"}});
  for (size_t j = 0; j < cols; ++j) {
    double x = left + cell * (j + 0.5), y = top - 6;
    svg.text(x, y, utf8_truncate(label_at(h.src, j), max_label),
             {{"transform", "rotate(-60 " + svg_num(x) + " " + svg_num(y) + ")"}});
  }
  for (size_t i = 0; i < rows; ++i)
    svg.text(left - 6, top + cell * (i + 0.5) + font * 0.35, utf8_truncate(label_at(h.tgt, i), max_label),
             {{"text-anchor", "end"}});
  svg.close();

  // Background = weight 0; only visible cells are drawn, so 100×100 maps stay small.
  svg.rect(left, top, grid_w, grid_h, {{"fill", shade(0)}});
  const bool tooltips = rows * cols <= 2500;
  svg.open("g", {{"shape-rendering", "crispEdges"}});
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) {
      float w = weight_at(h.weights, i, j);
      if (std::isfinite(w) && w < 0.01f && !tooltips) continue;
      SvgAttrs a{{"x", svg_num(left + cell * j)}, {"y", svg_num(top + cell * i)},
                 {"width", svg_num(cell)}, {"height", svg_num(cell)}, {"fill", shade(w)}};
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
  svg.rect(left, top, grid_w, grid_h, {{"fill", "none"}, {"stroke", "#888"}, {"stroke-width", "1"}});
  if (rows == 0 || cols == 0)
    svg.text(left + 4, top + 16, "n/a (no attention weights)", {{"fill", "#777"}});

  // Colour scale: stacked bands from 1 (top) to 0 (bottom), with three labels.
  const int bands = 40;
  svg.open("g", {{"shape-rendering", "crispEdges"}});
  for (int b = 0; b < bands; ++b) {
    double w = 1.0 - (b + 0.5) / bands;
    svg.rect(scale_x, top + scale_h * b / bands, 14, scale_h / bands + 0.5, {{"fill", shade(w)}});
  }
  svg.close();
  svg.rect(scale_x, top, 14, scale_h, {{"fill", "none"}, {"stroke", "#888"}});
  for (double v : {0.0, 0.5, 1.0}) {
    double y = top + scale_h * (1 - v);
    svg.line(scale_x + 14, y, scale_x + 18, y, {{"stroke", "#444"}});
    svg.text(scale_x + 21, y + 4, svg_num(v, 1), {{"font-size", "11"}, {"fill", "#333"}});
  }
  svg.text(scale_x, top + scale_h + 18, "weight", {{"font-size", "11"}, {"fill", "#333"}});
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
    col_chars[j] = code_points(utf8_truncate(label_at(src, j), max_height));
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
