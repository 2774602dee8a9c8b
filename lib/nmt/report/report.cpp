// Report assembly: number formatting, tables, charts, and writing the files.
#include "nmt/report/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "nmt/report/report_detail.h"
#include "nmt/util/error.h"

namespace nmt {

namespace report_detail {

const Section kSummary{"summary", "Summary",
                       "One row per model: size, training cost, quality on the test set (BLEU and chrF, "
                       "higher is better), decoding speed with beam sizes 1 and 5, and the training "
                       "process's peak resident memory. The best quality in each column is in bold."};
const Section kBuckets{"bleu-by-length", "BLEU by source-length bucket",
                       "Test BLEU computed separately for sentences grouped by source length (in "
                       "whitespace-separated words). The RNN without attention has to squeeze the whole source into one "
                       "fixed-size vector, so it should fall off on long sentences; the attention "
                       "models should degrade much less."};
const Section kCurves{"learning-curves", "Learning curves",
                      "Dev BLEU and dev loss at every evaluation, against training steps (sample "
                      "efficiency) and against wall-clock minutes (what training actually cost). "
                      "All models share one chart per view."};
const Section kAttention{"attention", "Attention heatmaps",
                         "Each cell shows how strongly the decoder attended to a source token "
                         "(column) while producing a target token (row), from 0 (white) to 1 (dark "
                         "blue). A sharp, mostly diagonal band with local swaps (e.g. adjective and "
                         "noun) means the model learned an alignment."};
const Section kExamples{"examples", "Example translations",
                        "Test sentences with their reference and every model's output. The longest "
                        "test sentence is marked: that is where a model without attention tends to "
                        "drop or repeat content."};
const Section kReproduce{"reproduce", "Reproduce",
                         "The command that produced this report and the exact configs the models "
                         "were trained with."};

namespace {

Cell num(std::string text) { return Cell{std::move(text), false, true}; }

// True for the largest value(s), when at least two values are present.
std::vector<bool> best_of(const std::vector<std::optional<double>>& values) {
  std::vector<bool> mask(values.size(), false);
  size_t have = 0, best = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!values[i] || !std::isfinite(*values[i])) continue;
    if (have == 0 || *values[i] > *values[best]) best = i;
    ++have;
  }
  if (have < 2) return mask;
  for (size_t i = 0; i < values.size(); ++i)
    mask[i] = values[i] && std::isfinite(*values[i]) && *values[i] == *values[best];
  return mask;
}

void bold_best(Table& t, size_t col, const std::vector<std::optional<double>>& values) {
  std::vector<bool> mask = best_of(values);
  for (size_t i = 0; i < mask.size(); ++i) t.rows[i][col].bold = mask[i];
}

std::optional<double> bucket_bleu(const ModelSummary& m, size_t k) {
  return k < m.bleu_by_bucket.size() ? m.bleu_by_bucket[k] : std::nullopt;
}

}  // namespace

Table summary_table(const ReportData& d) {
  Table t;
  t.header = {"Model",      "Architecture", "Params",     "Steps",         "Train time",
              "Train tgt tok/s", "Best dev BLEU", "Test BLEU", "Test chrF", "Sent/s beam 1",
              "Sent/s beam 5", "Peak train mem (MiB)"};
  t.numeric = {false, false, true, true, true, true, true, true, true, true, true, true};
  std::vector<std::optional<double>> dev, bleu, chrf;
  for (const auto& m : d.models) {
    std::optional<int64_t> tok;
    if (m.train_tgt_tokens_per_s && std::isfinite(*m.train_tgt_tokens_per_s))
      tok = std::llround(*m.train_tgt_tokens_per_s);
    t.rows.push_back({Cell{m.name.empty() ? "n/a" : m.name}, Cell{m.arch.empty() ? "n/a" : m.arch},
                      num(fmt_count(m.parameters)), num(fmt_count(m.train_steps)),
                      num(fmt_minutes(m.train_wall_minutes)), num(fmt_count(tok)),
                      num(fmt_fixed(m.best_dev_bleu, 2)), num(fmt_fixed(m.test_bleu, 2)),
                      num(fmt_fixed(m.test_chrf, 2)), num(fmt_fixed(m.decode_sents_per_s_beam1, 1)),
                      num(fmt_fixed(m.decode_sents_per_s_beam5, 1)), num(fmt_fixed(m.peak_memory_mib, 0))});
    dev.push_back(m.best_dev_bleu);
    bleu.push_back(m.test_bleu);
    chrf.push_back(m.test_chrf);
  }
  bold_best(t, 6, dev);
  bold_best(t, 7, bleu);
  bold_best(t, 8, chrf);
  return t;
}

Table bucket_table(const ReportData& d) {
  Table t;
  t.header = {"Source length", "Sentences"};
  t.numeric = {false, true};
  for (const auto& m : d.models) {
    t.header.push_back(m.name + " BLEU");
    t.numeric.push_back(true);
  }
  for (size_t k = 0; k < d.buckets.size(); ++k) {
    t.rows.push_back({Cell{d.buckets[k].label}, num(fmt_count(d.buckets[k].sentences))});
    std::vector<std::optional<double>> values;
    for (const auto& m : d.models) {
      values.push_back(bucket_bleu(m, k));
      t.rows.back().push_back(num(fmt_fixed(values.back(), 2)));
    }
    std::vector<bool> mask = best_of(values);
    for (size_t i = 0; i < mask.size(); ++i) t.rows.back()[2 + i].bold = mask[i];
  }
  return t;
}

std::vector<std::string> models_without_attention(const ReportData& d) {
  std::vector<std::string> out;
  for (const auto& m : d.models) {
    bool has = std::any_of(d.attention.begin(), d.attention.end(),
                           [&](const AttentionMap& a) { return a.model == m.name; });
    if (!has) out.push_back(m.name);
  }
  return out;
}

std::string example_output(const Example& ex, const std::string& model) {
  auto it = ex.outputs.find(model);
  return it == ex.outputs.end() ? "n/a" : it->second;
}

std::vector<std::string> example_models(const ReportData& d, const Example& ex) {
  std::vector<std::string> names;
  for (const auto& m : d.models) names.push_back(m.name);
  for (const auto& [name, text] : ex.outputs)
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  return names;
}

}  // namespace report_detail

std::string fmt_fixed(std::optional<double> v, int decimals) {
  if (!v || !std::isfinite(*v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::max(0, decimals), *v);
  std::string s = buf;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // "-0.00"
  return s;
}

std::string fmt_count(std::optional<int64_t> n) {
  if (!n) return "n/a";
  const double v = static_cast<double>(*n), a = std::abs(v);
  char buf[64];
  if (a < 1000) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(*n));
  } else {
    const char* unit = a < 1e6 ? "k" : a < 1e9 ? "M" : "B";
    double scaled = v / (a < 1e6 ? 1e3 : a < 1e9 ? 1e6 : 1e9);
    std::snprintf(buf, sizeof buf, std::abs(scaled) < 99.95 ? "%.1f%s" : "%.0f%s", scaled, unit);
  }
  return buf;
}

std::string fmt_minutes(std::optional<double> m) {
  if (!m || !std::isfinite(*m)) return "n/a";
  char buf[64];
  if (*m < 60) {
    std::snprintf(buf, sizeof buf, "%.1f min", *m);
  } else {
    long long total = std::llround(*m);
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", total / 60, total % 60);
  }
  return buf;
}

namespace {

double value_or_nan(const std::optional<double>& v) {
  return v ? *v : std::numeric_limits<double>::quiet_NaN();
}

std::string slug(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != '-') out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "model" : out.substr(0, 40);
}

ReportChart curve_chart(const ReportData& d, bool loss, bool by_time) {
  LineChart c;
  const std::string what = loss ? "Dev loss" : "Dev BLEU";
  c.title = what + (by_time ? " vs wall-clock time" : " vs training step");
  c.x_label = by_time ? "wall-clock minutes" : "training step";
  c.y_label = loss ? "dev loss (per token)" : "dev BLEU";
  for (size_t i = 0; i < d.models.size(); ++i) {
    LineSeries s{d.models[i].name, {}, series_color(i)};
    for (const auto& p : d.models[i].curve) {
      if (by_time && !p.wall_minutes) continue;
      double x = by_time ? *p.wall_minutes : static_cast<double>(p.step);
      s.points.emplace_back(x, value_or_nan(loss ? p.dev_loss : p.dev_bleu));
    }
    c.series.push_back(std::move(s));
  }
  std::string file = std::string("curve_") + (loss ? "loss" : "bleu") + (by_time ? "_time" : "_step") + ".svg";
  return ReportChart{file, c.title, line_chart_svg(c)};
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw IoError(path.string() + ": cannot open for writing");
  f << text;
  f.close();
  if (!f) throw IoError(path.string() + ": write failed");
}

}  // namespace

ReportCharts report_charts(const ReportData& d) {
  ReportCharts out;
  if (!d.buckets.empty() && !d.models.empty()) {
    BarChart b;
    b.title = "Test BLEU by source length";
    b.x_label = "source length (words), sentences per bucket in parentheses";
    b.y_label = "BLEU";
    for (const auto& bucket : d.buckets)
      b.categories.push_back(bucket.label + " (n=" + std::to_string(bucket.sentences) + ")");
    for (size_t i = 0; i < d.models.size(); ++i) {
      BarSeries s{d.models[i].name, {}, series_color(i)};
      for (size_t k = 0; k < d.buckets.size(); ++k)
        s.values.push_back(value_or_nan(k < d.models[i].bleu_by_bucket.size() ? d.models[i].bleu_by_bucket[k]
                                                                              : std::nullopt));
      b.series.push_back(std::move(s));
    }
    out.bleu_by_length = ReportChart{"bleu_by_length.svg", b.title, bar_chart_svg(b)};
  }
  bool any_curve = std::any_of(d.models.begin(), d.models.end(), [](const ModelSummary& m) { return !m.curve.empty(); });
  if (any_curve) {
    out.curves.push_back(curve_chart(d, false, false));
    out.curves.push_back(curve_chart(d, false, true));
    out.curves.push_back(curve_chart(d, true, false));
    out.curves.push_back(curve_chart(d, true, true));
  }
  for (size_t k = 0; k < d.attention.size(); ++k) {
    const AttentionMap& a = d.attention[k];
    std::string caption = a.model + " \xE2\x80\x94 " + a.kind;  // em dash
    HeatmapData h = a.heatmap;
    // A title that already names the kind is used as is, so it is not said twice.
    const std::string& t = a.heatmap.title;
    if (t.empty() || a.kind.empty() || t.find(a.kind) == std::string::npos)
      h.title = caption + (t.empty() ? "" : ": " + t);
    out.attention.push_back(ReportChart{"attn_" + std::to_string(k + 1) + "_" + slug(a.model) + ".svg",
                                        caption, heatmap_svg(h)});
  }
  return out;
}

void write_report(const ReportData& data, const std::string& out_dir) {
  namespace fs = std::filesystem;
  const fs::path dir(out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw IoError(out_dir + ": cannot create report directory" + (ec ? ": " + ec.message() : ""));
  const ReportCharts charts = report_charts(data);
  if (charts.bleu_by_length) write_file(dir / charts.bleu_by_length->file, charts.bleu_by_length->svg);
  for (const auto& c : charts.curves) write_file(dir / c.file, c.svg);
  for (const auto& c : charts.attention) write_file(dir / c.file, c.svg);
  write_file(dir / "report.md", report_markdown(data, charts));
  write_file(dir / "report.html", report_html(data, charts));
}

}  // namespace nmt
