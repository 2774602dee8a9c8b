#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "nmt/report/charts.h"
#include "report_test_util.h"

using namespace nmt;

namespace {

// Writes the SVG to a file and checks it both ways (own check + xmllint).
void check_svg(const std::string& svg, const std::string& name) {
  INFO(name);
  CHECK(report_test::xml_problem(svg) == "");
  report_test::TempDir dir("charts_" + name);
  auto file = dir.path / (name + ".svg");
  report_test::write_text(file, svg);
  REQUIRE(report_test::have_program("xmllint"));
  CHECK(report_test::xmllint_ok(file));
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("nice_ticks gives round steps that cover the range", "[report][charts]") {
  CHECK(nice_ticks(0, 27.3) == std::vector<double>{0, 5, 10, 15, 20, 25, 30});
  auto t = nice_ticks(0.013, 0.087);
  REQUIRE(t.size() >= 2);
  CHECK(t.front() <= 0.013);
  CHECK(t.back() >= 0.087);
  CHECK(t[1] - t[0] == Approx(0.02));
  auto big = nice_ticks(2000, 24000, 7);
  CHECK(big.front() == 0);
  CHECK(big.back() == 25000);
  auto same = nice_ticks(5, 5);
  CHECK(same.front() < 5);
  CHECK(same.back() > 5);
  auto zero = nice_ticks(0, 0);
  CHECK(zero.front() == 0);
  CHECK(zero.back() > 0);
  CHECK(nice_ticks(NAN, 3).size() >= 2);
  CHECK(tick_label(0.25, 0.25) == "0.25");
  CHECK(tick_label(1500, 500) == "1500");
  CHECK(tick_label(2.5, 2.5) == "2.5");
  CHECK(tick_label(12, 2) == "12");
}

TEST_CASE("series colours are stable and distinct", "[report][charts]") {
  CHECK(series_color(0) != series_color(1));
  CHECK(series_color(1) != series_color(2));
  CHECK(series_color(0) == series_color(0));
  CHECK(series_color(7) == series_color(0));
}

TEST_CASE("grouped bar chart: well-formed with odd names and missing values", "[report][charts]") {
  BarChart c;
  c.title = "BLEU by length <&> \"x\"";
  c.x_label = "source length";
  c.y_label = "BLEU";
  c.categories = {"1–10", "11–20", "21–30", "31–50", "51+"};
  c.series = {{"rnn <no attn>", {21.4, 16.2, 10.3, 6.1, 2.2}, ""},
              {"bahdanau & co", {24.8, 23.1, NAN, 19.5}, ""},
              {"¿Transformer?", {27.2, 26.0, 25.1, 23.3, 20.4}, "#123456"}};
  std::string svg = bar_chart_svg(c);
  check_svg(svg, "bar");
  CHECK(svg.find("rnn &lt;no attn&gt;") != std::string::npos);
  CHECK(count(svg, "n/a") == 2);  // one NaN, one missing value
  CHECK(svg.find("#123456") != std::string::npos);
  CHECK(svg.find(series_color(0)) != std::string::npos);
  CHECK(svg.find(">27.2<") != std::string::npos);  // value label

  BarChart empty;
  check_svg(bar_chart_svg(empty), "bar_empty");
  empty.categories = {"a"};
  check_svg(bar_chart_svg(empty), "bar_no_series");
}

TEST_CASE("line chart: several series, gaps, empty series, one point", "[report][charts]") {
  LineChart c;
  c.title = "Dev BLEU vs step";
  c.x_label = "training step";
  c.y_label = "dev BLEU";
  c.series = {{"rnn", {{1000, 5.0}, {2000, 8.5}, {3000, NAN}, {4000, 11.0}}, ""},
              {"bahdanau", {{3000, 14.0}, {1000, 7.0}, {2000, 11.0}}, ""},
              {"transformer <&>", {}, ""}};
  std::string svg = line_chart_svg(c);
  check_svg(svg, "line");
  CHECK(svg.find("(no data)") != std::string::npos);
  CHECK(count(svg, "<path") == 2);
  CHECK(svg.find("training step") != std::string::npos);

  LineChart one;
  one.series = {{"only", {{5, 3.0}}, ""}};
  check_svg(line_chart_svg(one), "line_one_point");
  LineChart none;
  std::string none_svg = line_chart_svg(none);
  check_svg(none_svg, "line_empty");
  CHECK(none_svg.find("n/a") != std::string::npos);
}

TEST_CASE("attention heatmap: odd tokens are escaped, the document is well-formed", "[report][charts]") {
  HeatmapData h = report_test::fake_heatmap({"▁¿Qué", "<", "&", "\"q\"", "'a'", "中文", "</s>"},
                                            {"▁What", "&amp;", "<b>", "\x01", "</s>"});
  h.title = "Attention: ¿Qué <es> & \"esto\"?";
  std::string svg = heatmap_svg(h);
  check_svg(svg, "heatmap");
  CHECK(svg.find("▁¿Qué") != std::string::npos);
  CHECK(svg.find("&amp;amp;") != std::string::npos);
  CHECK(svg.find("weight") != std::string::npos);  // colour scale legend
}

TEST_CASE("attention heatmap scales to 100x100 tokens and tolerates ragged input", "[report][charts]") {
  std::vector<std::string> src, tgt;
  for (int i = 0; i < 100; ++i) src.push_back("src" + std::to_string(i)), tgt.push_back("tgt" + std::to_string(i));
  HeatmapData big = report_test::fake_heatmap(src, tgt);
  big.title = "100 x 100";
  std::string svg = heatmap_svg(big);
  check_svg(svg, "heatmap_big");
  CHECK(svg.size() < 3'000'000);

  HeatmapData ragged;
  ragged.src = {"a", "b"};
  ragged.tgt = {"x", "y", "z"};
  ragged.weights = {{0.5f, 0.5f, 0.1f}, {NAN}, {}};
  check_svg(heatmap_svg(ragged), "heatmap_ragged");

  HeatmapData empty;
  std::string e = heatmap_svg(empty);
  check_svg(e, "heatmap_empty");
  CHECK(e.find("n/a") != std::string::npos);
}

TEST_CASE("text heatmap: one shade per cell, labels on both axes", "[report][charts]") {
  std::vector<std::string> src = {"▁¿Qué", "▁es", "?"};
  std::vector<std::string> tgt = {"▁What", "▁is", "?"};
  std::vector<std::vector<float>> w = {{0.95f, 0.05f, 0.0f}, {0.1f, 0.7f, 0.2f}, {0.0f, 0.3f, 0.45f}};
  std::string out = text_heatmap(src, tgt, w);
  INFO(out);
  CHECK(out.find("▁What │█  ") != std::string::npos);
  CHECK(out.find("▁is   │ ▓░") != std::string::npos);
  CHECK(out.find("?     │ ░▒") != std::string::npos);
  CHECK(out.find("┼───") != std::string::npos);
  // Source tokens run down their columns: "?" is bottom-aligned in the third column.
  CHECK(out.find("│és?\n") != std::string::npos);
  CHECK(out.find("│Q▁\n") != std::string::npos);
  CHECK(out.find("│¿\n") != std::string::npos);
  CHECK(text_heatmap({}, {}, {}) == "(no attention weights)\n");
  // Ragged weights and missing labels do not throw.
  CHECK_NOTHROW(text_heatmap({"a"}, {"x", "y"}, {{0.5f, 1.0f}}));
}
