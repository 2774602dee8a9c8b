// The model-comparison report written by `nmt compare`: plain data in, files out.
// out_dir/report.md (GitHub-flavoured markdown that links the SVG charts written next to it)
// and out_dir/report.html (self-contained: inline CSS and SVG, no scripts, no network).
// Missing numbers are std::nullopt / empty and render as "n/a"; nothing here needs torch.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nmt/report/charts.h"

namespace nmt {

// One dev evaluation during training.
struct CurvePoint {
  int64_t step = 0;
  std::optional<double> wall_minutes;  // since the start of training
  std::optional<double> dev_bleu;
  std::optional<double> dev_loss;
};

// A source-length bucket, shared by all models: label ("1–10") and its number of sentences.
struct LengthBucket {
  std::string label;
  int64_t sentences = 0;
};

struct ModelSummary {
  std::string name;  // e.g. "bahdanau"; also the key into Example::outputs
  std::string arch;  // e.g. "RNN + Bahdanau attention"
  std::optional<int64_t> parameters;
  std::optional<int64_t> train_steps;
  std::optional<double> train_wall_minutes;
  std::optional<double> train_tgt_tokens_per_s;
  std::optional<double> best_dev_bleu;
  std::optional<double> test_bleu;
  std::optional<double> test_chrf;
  std::optional<double> decode_sents_per_s_beam1;
  std::optional<double> decode_sents_per_s_beam5;
  std::optional<double> peak_memory_mib;
  std::vector<std::optional<double>> bleu_by_bucket;  // aligned with ReportData::buckets
  std::vector<CurvePoint> curve;                      // empty → "n/a" in the curve charts
};

// One attention map, tagged with the model it came from and what kind of attention it is
// ("Bahdanau alignment", "Transformer cross-attention (mean of heads, last layer)", …).
struct AttentionMap {
  std::string model;
  std::string kind;
  HeatmapData heatmap;  // heatmap.title: shown as the caption (e.g. the sentence)
};

struct Example {
  std::string source;
  std::string reference;
  std::map<std::string, std::string> outputs;  // model name → translation; missing → "n/a"
  bool longest = false;                         // the longest-source-sentence example
};

struct ReportData {
  std::string title = "NMT model comparison";
  std::string description;   // optional paragraph under the title (data set, hardware, …)
  std::string command_line;  // the exact command that produced the report
  std::vector<ModelSummary> models;
  std::vector<LengthBucket> buckets;
  std::vector<AttentionMap> attention;
  std::vector<Example> examples;
  std::vector<std::pair<std::string, std::string>> configs;  // name → YAML text, in order
};

// Writes report.md, report.html and the SVG charts (bleu_by_length.svg, curve_*.svg,
// attn_*.svg) into out_dir, creating it if needed. Throws IoError when a file cannot be written.
void write_report(const ReportData& data, const std::string& out_dir);

// The pieces write_report() assembles, for callers and tests that want them in memory.
struct ReportChart {
  std::string file;     // e.g. "curve_bleu_step.svg"
  std::string caption;  // alt text / figure caption
  std::string svg;
};
struct ReportCharts {
  std::optional<ReportChart> bleu_by_length;  // absent without buckets or models
  std::vector<ReportChart> curves;            // dev BLEU / dev loss × step / wall minutes
  std::vector<ReportChart> attention;         // one per ReportData::attention entry
};
ReportCharts report_charts(const ReportData& data);
std::string report_markdown(const ReportData& data, const ReportCharts& charts);
std::string report_html(const ReportData& data, const ReportCharts& charts);

// Number formatting used in the report; each returns "n/a" for std::nullopt or non-finite.
std::string fmt_fixed(std::optional<double> v, int decimals);  // fmt_fixed(27.456, 2) = "27.46"
std::string fmt_count(std::optional<int64_t> n);                 // 12345678 → "12.3M", 45600 → "45.6k"
std::string fmt_minutes(std::optional<double> minutes);          // 95.5 → "1h 35m", 4.25 → "4.3 min"

}  // namespace nmt
