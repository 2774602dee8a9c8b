// `nmt compare`: train (or reuse) several models, evaluate them all on the same test set with
// the same decoding settings, and write a report (report.md + report.html + SVG charts).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace nmt {

struct CompareOptions {
  std::vector<std::string> configs;    // one YAML config per model to train
  std::vector<std::string> models;     // or: trained model directories to reuse
  std::vector<std::string> overrides;  // --set key=value, applied to every config
  double budget_minutes = 0;           // > 0: train.max_minutes for every model
  std::string models_dir;              // non-empty: train each config into models_dir/<config name>
  std::string out_dir;
  torch::Device device{torch::kCPU};
  int64_t beam_size = 5;               // decoding for test BLEU (speed is measured at 1 and 5)
  double length_penalty = 0.6;
  int64_t examples = 3;                // example translations in the report
  std::string command_line;            // recorded in the report
  bool live_progress = false;
};

// Runs the comparison and returns the path of report.html. Throws nmt errors.
std::string run_compare(const CompareOptions& opt);

// Source-length buckets (in whitespace-separated words): 1–10, 11–20, 21–30, 31–50, 51+.
// Returns the bucket index of a sentence with `words` words.
int length_bucket(size_t words);
const std::vector<std::string>& length_bucket_labels();

}  // namespace nmt
