// Internal to lib/nmt/report: what the markdown and HTML renderers share (section texts and
// the tables as plain cells), so both formats always say the same thing.
#pragma once
#include <string>
#include <vector>

#include "nmt/report/report.h"

namespace nmt::report_detail {

struct Cell {
  std::string text;
  bool bold = false;     // the best value of its column
  bool numeric = false;  // right-aligned
};

struct Table {
  std::vector<std::string> header;
  std::vector<bool> numeric;  // per column
  std::vector<std::vector<Cell>> rows;
};

struct Section {
  const char* id;     // HTML anchor
  const char* title;  // heading text (the tests look for these)
  const char* blurb;  // one or two sentences on what the section shows
};

extern const Section kSummary;
extern const Section kBuckets;
extern const Section kCurves;
extern const Section kAttention;
extern const Section kExamples;
extern const Section kReproduce;

// One row per model: size, training cost, quality, decoding speed, memory.
Table summary_table(const ReportData& data);
// One row per length bucket: label, sentence count, BLEU per model.
Table bucket_table(const ReportData& data);
// Names of the models that have no entry in data.attention (e.g. the no-attention RNN).
std::vector<std::string> models_without_attention(const ReportData& data);
// The output of `model` for an example, or "n/a".
std::string example_output(const Example& ex, const std::string& model);
// Model names in report order: data.models first, then any extra names found in outputs.
std::vector<std::string> example_models(const ReportData& data, const Example& ex);

}  // namespace nmt::report_detail
