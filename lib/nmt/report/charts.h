// Charts for the comparison report and the CLI, as self-contained SVG strings (no torch):
// grouped bar chart, multi-series line chart, attention heatmap, and a terminal heatmap.
// Every function tolerates missing data (empty series, NaN values, ragged weight rows): it
// draws what is there and marks the rest "n/a"; none of them throws on odd input.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace nmt {

// The colour of series `i`, from a colour-blind-safe palette (cycles after 7). The report
// gives each model the same index, hence the same colour, in every chart.
const std::string& series_color(size_t i);

// "Nice" axis ticks (multiples of 1, 2, 2.5 or 5 × 10^k) covering [lo, hi]: the finest such
// step needing at most max_ticks + 1 ticks. First tick ≤ lo, last ≥ hi; lo == hi is widened.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks = 6);

// A tick value written with just the decimals its step needs ("0.25", "1500", "12").
std::string tick_label(double value, double step);

// ---- grouped bar chart ------------------------------------------------------------------
struct BarSeries {
  std::string name;
  std::vector<double> values;  // one per category; NaN or missing → "n/a", no bar
  std::string color;           // empty → series_color(index)
};

struct BarChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  bool value_labels = true;  // the value above each bar, when the bars are wide enough
  int value_decimals = 1;
};

std::string bar_chart_svg(const BarChart& chart);

// ---- line chart ---------------------------------------------------------------------------
struct LineSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y); sorted by x when drawn; NaN y = gap
  std::string color;                               // empty → series_color(index)
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<LineSeries> series;  // a series without points shows as "(no data)" in the legend
  bool markers = true;
};

std::string line_chart_svg(const LineChart& chart);

// ---- attention heatmap ----------------------------------------------------------------------
struct HeatmapData {
  std::string title;
  std::vector<std::string> src;               // x axis (columns)
  std::vector<std::string> tgt;               // y axis (rows)
  std::vector<std::vector<float>> weights;    // [T][S], each in 0..1
};

// The heatmap colour scale: weights 0, 0.25, 0.5, 0.75 and 1 get these RGB colours (white →
// dark blue), linear in RGB between them. nmt serve's page draws with the same scale.
const std::vector<std::vector<int>>& heatmap_color_stops();

// Cells shaded white → dark blue by weight, rotated source labels on top, target labels on
// the left, a colour scale on the right. Cell size adapts so ~100×100 tokens still fit.
std::string heatmap_svg(const HeatmapData& heatmap);

// The same for a terminal: one row per target token, one column per source token, each cell
// one of " ░▒▓█" by weight; source tokens are written vertically above their column.
std::string text_heatmap(const std::vector<std::string>& src_tokens,
                         const std::vector<std::string>& tgt_tokens,
                         const std::vector<std::vector<float>>& weights);

}  // namespace nmt
