// Grouped bar chart and line chart (the heatmaps live in heatmap.cpp).
#include "nmt/report/charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "nmt/report/svg.h"

namespace nmt {
namespace {

constexpr double kPlotW = 560, kPlotH = 300;
constexpr double kTitleH = 40, kFont = 12;
const char* const kAxis = "#444444";
const char* const kGrid = "#e3e3e3";
const char* const kMuted = "#777777";

struct Legend {
  std::vector<std::string> names;
  std::vector<std::string> colors;
  double width() const {
    double w = 0;
    for (const auto& n : names) w = std::max(w, text_width_px(n));
    return names.empty() ? 0 : w + 34;
  }
};

// Plot area in pixels and the data domain it shows.
struct Frame {
  double left = 0, top = 0, width = kPlotW, height = kPlotH;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  double px(double x) const { return left + width * (x - x0) / (x1 - x0); }
  double py(double y) const { return top + height * (1.0 - (y - y0) / (y1 - y0)); }
};

double max_tick_width(const std::vector<double>& ticks) {
  double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0, w = 0;
  for (double t : ticks) w = std::max(w, text_width_px(tick_label(t, step), 11));
  return w;
}

void draw_title(Svg& svg, const std::string& title) {
  if (title.empty()) return;
  svg.text(svg.width() / 2, 24, utf8_truncate(title, 110),
           {{"text-anchor", "middle"}, {"font-size", "15"}, {"font-weight", "bold"}, {"fill", "#222"}});
}

// Horizontal grid lines, y tick labels, the y axis line and its rotated label.
void draw_y_axis(Svg& svg, const Frame& f, const std::vector<double>& ticks, const std::string& label) {
  double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
  svg.open("g", {{"font-size", "11"}, {"fill", kAxis}});
  for (double t : ticks) {
    double y = f.py(t);
    svg.line(f.left, y, f.left + f.width, y, {{"stroke", kGrid}, {"stroke-width", "1"}});
    svg.text(f.left - 6, y + 4, tick_label(t, step), {{"text-anchor", "end"}});
  }
  svg.close();
  svg.line(f.left, f.top, f.left, f.top + f.height, {{"stroke", kAxis}, {"stroke-width", "1"}});
  if (!label.empty()) {
    double x = f.left - max_tick_width(ticks) - 16, y = f.top + f.height / 2;
    svg.text(x, y, label,
             {{"text-anchor", "middle"}, {"font-size", "12"}, {"fill", "#222"},
              {"transform", "rotate(-90 " + svg_num(x) + " " + svg_num(y) + ")"}});
  }
}

void draw_x_label(Svg& svg, const Frame& f, double y, const std::string& label) {
  if (label.empty()) return;
  svg.text(f.left + f.width / 2, y, label, {{"text-anchor", "middle"}, {"fill", "#222"}});
}

void draw_legend(Svg& svg, double x, double y, const Legend& legend) {
  svg.open("g", {{"font-size", "12"}, {"fill", "#222"}});
  for (size_t i = 0; i < legend.names.size(); ++i) {
    double yy = y + 20.0 * i;
    svg.rect(x, yy, 14, 14, {{"fill", legend.colors[i]}, {"rx", "2"}});
    svg.text(x + 20, yy + 11, legend.names[i]);
  }
  svg.close();
}

double left_margin(const std::vector<double>& yticks, bool has_label) {
  return max_tick_width(yticks) + (has_label ? 34 : 14);
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::clamp(decimals, 0, 9), v);
  return buf;
}

std::string color_of(const std::string& explicit_color, size_t i) {
  return explicit_color.empty() ? series_color(i) : explicit_color;
}

}  // namespace

const std::string& series_color(size_t i) {
  static const std::vector<std::string> palette = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                                   "#CC79A7", "#56B4E9", "#555555"};
  return palette[i % palette.size()];
}

std::vector<double> nice_ticks(double lo, double hi, int max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12) {
    double pad = std::abs(lo) > 1e-12 ? std::abs(lo) * 0.1 : 1.0;
    lo -= pad;
    hi += pad;
    if (lo < 0 && lo + pad >= 0) lo = 0;  // keep a non-negative constant series non-negative
  }
  max_ticks = std::max(2, max_ticks);
  // The smallest round step that needs at most max_ticks + 1 ticks.
  const double raw = (hi - lo) / max_ticks;
  double mag = std::pow(10.0, std::floor(std::log10(raw)) - 1);
  double step = 0, first = 0, last = 0;
  for (int guard = 0; guard < 40 && step == 0; ++guard, mag *= 10) {
    for (double m : {1.0, 2.0, 2.5, 5.0}) {
      const double st = m * mag;
      const double f = std::floor(lo / st + 1e-9) * st, l = std::ceil(hi / st - 1e-9) * st;
      if ((l - f) / st + 1 <= max_ticks + 1 + 1e-9) {
        step = st, first = f, last = l;
        break;
      }
    }
  }
  std::vector<double> ticks;
  for (int k = 0; first + k * step <= last + step * 1e-6 && k < 1000; ++k) {
    double t = first + k * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  if (ticks.size() < 2) ticks.push_back(first + step);
  return ticks;
}

std::string tick_label(double value, double step) {
  int decimals = 0;
  step = std::abs(step);
  while (decimals < 6 && step > 0 && std::abs(step * std::pow(10.0, decimals) -
                                              std::round(step * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;
  return svg_num(value, decimals);
}

std::string bar_chart_svg(const BarChart& c) {
  const size_t ncat = c.categories.size(), nser = c.series.size();
  double vmax = 0, vmin = 0;
  for (const auto& s : c.series)
    for (double v : s.values)
      if (std::isfinite(v)) vmax = std::max(vmax, v), vmin = std::min(vmin, v);
  if (vmax == vmin) vmax = vmin + 1;
  std::vector<double> yt = nice_ticks(vmin, vmax, 6);

  Legend legend;
  for (size_t i = 0; i < nser; ++i) {
    legend.names.push_back(utf8_truncate(c.series[i].name, 28));
    legend.colors.push_back(color_of(c.series[i].color, i));
  }
  Frame f;
  f.left = left_margin(yt, !c.y_label.empty());
  f.top = kTitleH;
  f.y0 = yt.front();
  f.y1 = yt.back();
  const double group_w = f.width / std::max<size_t>(1, ncat);
  double max_cat = 0;
  for (const auto& cat : c.categories) max_cat = std::max(max_cat, text_width_px(cat, 11));
  const bool rotate = max_cat > group_w - 6;
  const double cat_h = rotate ? std::min(max_cat, 140.0) * 0.6 + 18 : 20;
  const double width = f.left + f.width + 24 + legend.width() + 8;
  const double height = f.top + f.height + cat_h + (c.x_label.empty() ? 10 : 30);

  Svg svg(width, height, c.title);
  draw_title(svg, c.title);
  draw_y_axis(svg, f, yt, c.y_label);

  const double inner = group_w * 0.8, bar_w = inner / std::max<size_t>(1, nser);
  const bool labels = c.value_labels && bar_w >= 22;
  const double base = f.py(std::clamp(0.0, f.y0, f.y1));
  for (size_t k = 0; k < ncat; ++k) {
    const double gx = f.left + group_w * k + (group_w - inner) / 2;
    for (size_t i = 0; i < nser; ++i) {
      const auto& s = c.series[i];
      const double x = gx + bar_w * i;
      double v = k < s.values.size() ? s.values[k] : std::numeric_limits<double>::quiet_NaN();
      if (!std::isfinite(v)) {
        if (bar_w >= 14)
          svg.text(x + bar_w / 2, base - 4, "n/a",
                   {{"text-anchor", "middle"}, {"font-size", "9"}, {"fill", kMuted}});
        continue;
      }
      double y = f.py(v), top = std::min(y, base), h = std::abs(base - y);
      svg.open("rect", {{"x", svg_num(x + 1)}, {"y", svg_num(top)}, {"width", svg_num(bar_w - 2)},
                        {"height", svg_num(h)}, {"fill", legend.colors[i]}});
      svg.tooltip(s.name + " · " + c.categories[k] + ": " + fixed(v, c.value_decimals));
      svg.close();
      if (labels)
        svg.text(x + bar_w / 2, v >= 0 ? top - 4 : top + h + 12, fixed(v, c.value_decimals),
                 {{"text-anchor", "middle"}, {"font-size", "10"}, {"fill", "#333"}});
    }
    const double cx = f.left + group_w * (k + 0.5), cy = f.top + f.height + 16;
    const std::string cat = utf8_truncate(c.categories[k], 24);
    if (rotate)
      svg.text(cx, cy, cat, {{"text-anchor", "end"}, {"font-size", "11"}, {"fill", kAxis},
                             {"transform", "rotate(-35 " + svg_num(cx) + " " + svg_num(cy) + ")"}});
    else
      svg.text(cx, cy, cat, {{"text-anchor", "middle"}, {"font-size", "11"}, {"fill", kAxis}});
  }
  svg.line(f.left, base, f.left + f.width, base, {{"stroke", kAxis}, {"stroke-width", "1"}});
  draw_x_label(svg, f, f.top + f.height + cat_h + 18, c.x_label);
  if (nser == 0)
    svg.text(f.left + f.width / 2, f.top + f.height / 2, "n/a (no data)",
             {{"text-anchor", "middle"}, {"fill", kMuted}});
  draw_legend(svg, f.left + f.width + 24, f.top, legend);
  return svg.str();
}

std::string line_chart_svg(const LineChart& c) {
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const auto& s : c.series)
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      xmin = std::min(xmin, x), xmax = std::max(xmax, x);
      ymin = std::min(ymin, y), ymax = std::max(ymax, y);
    }
  const bool empty = !std::isfinite(xmin);
  if (empty) xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  std::vector<double> xt = nice_ticks(xmin, xmax, 7), yt = nice_ticks(ymin, ymax, 6);

  Legend legend;
  for (size_t i = 0; i < c.series.size(); ++i) {
    const auto& s = c.series[i];
    bool has = std::any_of(s.points.begin(), s.points.end(), [](const auto& p) {
      return std::isfinite(p.first) && std::isfinite(p.second);
    });
    legend.names.push_back(utf8_truncate(s.name, 28) + (has ? "" : " (no data)"));
    legend.colors.push_back(color_of(s.color, i));
  }
  Frame f;
  f.left = left_margin(yt, !c.y_label.empty());
  f.top = kTitleH;
  f.x0 = xt.front(), f.x1 = xt.back(), f.y0 = yt.front(), f.y1 = yt.back();
  const double width = f.left + f.width + 28 + legend.width() + 8;
  const double height = f.top + f.height + 20 + (c.x_label.empty() ? 10 : 30);

  Svg svg(width, height, c.title);
  draw_title(svg, c.title);
  draw_y_axis(svg, f, yt, c.y_label);
  const double xstep = xt[1] - xt[0];
  svg.open("g", {{"font-size", "11"}, {"fill", kAxis}});
  for (double t : xt) {
    double x = f.px(t);
    svg.line(x, f.top, x, f.top + f.height, {{"stroke", kGrid}, {"stroke-width", "1"}});
    svg.text(x, f.top + f.height + 16, tick_label(t, xstep), {{"text-anchor", "middle"}});
  }
  svg.close();
  svg.line(f.left, f.top + f.height, f.left + f.width, f.top + f.height,
           {{"stroke", kAxis}, {"stroke-width", "1"}});
  draw_x_label(svg, f, f.top + f.height + 40, c.x_label);
  if (empty)
    svg.text(f.left + f.width / 2, f.top + f.height / 2, "n/a (no data)",
             {{"text-anchor", "middle"}, {"fill", kMuted}});

  for (size_t i = 0; i < c.series.size(); ++i) {
    auto pts = c.series[i].points;
    std::stable_sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const std::string& color = legend.colors[i];
    std::string d;
    bool pen_down = false;
    for (const auto& [x, y] : pts) {
      if (!std::isfinite(x) || !std::isfinite(y)) {
        pen_down = false;
        continue;
      }
      d += (pen_down ? " L" : (d.empty() ? "M" : " M")) + svg_num(f.px(x)) + " " + svg_num(f.py(y));
      pen_down = true;
    }
    if (d.empty()) continue;
    svg.open("g", {{"stroke", color}, {"fill", color}});
    svg.element("path", {{"d", d}, {"fill", "none"}, {"stroke-width", "2"}, {"stroke-linejoin", "round"}});
    if (c.markers && pts.size() <= 200) {
      for (const auto& [x, y] : pts) {
        if (!std::isfinite(x) || !std::isfinite(y)) continue;
        svg.open("circle", {{"cx", svg_num(f.px(x))}, {"cy", svg_num(f.py(y))}, {"r", "3"}});
        svg.tooltip(c.series[i].name + ": (" + svg_num(x, 2) + ", " + svg_num(y, 3) + ")");
        svg.close();
      }
    }
    svg.close();
  }
  draw_legend(svg, f.left + f.width + 28, f.top, legend);
  return svg.str();
}

}  // namespace nmt
