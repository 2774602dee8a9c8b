// Checkpoint averaging (as Marian's, OpenNMT's and fairseq's average scripts do): the
// element-wise mean of several checkpoints of one model, written as a complete model directory
// (config.yaml, tokenizer files, best.pt = the average, average.json = where it came from).
//
// Checkpoints come from one training run (step-<N>.pt, see step_checkpoints.h: the last K, or
// the K best by the dev metric in metrics.jsonl) or from several model directories of the same
// architecture (their best.pt or last.pt). Models that differ in architecture, in an option
// that changes the network (anything but dropout), in a tensor's shape or in a vocabulary are
// refused, and the message names the first difference.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nmt {

// One checkpoint to average.
struct AverageSource {
  std::string dir;                   // its model directory (config.yaml, tokenizers)
  std::string path;                  // the weights
  int64_t step = -1;                 // training step, -1 when unknown (best.pt / last.pt)
  std::optional<double> dev_metric;  // the dev metric recorded at that step, if any
};

// The k newest step checkpoints of `dir`, newest first. UsageError if there are fewer.
std::vector<AverageSource> last_checkpoints(const std::string& dir, int64_t k);
// The k step checkpoints of `dir` with the best dev metric (its train.metric) in metrics.jsonl,
// best first (ties: the later step). UsageError if fewer than k have a dev record.
std::vector<AverageSource> best_checkpoints(const std::string& dir, int64_t k);
// The best.pt (which = "best", falling back to last.pt as translate does) or last.pt of each
// directory.
std::vector<AverageSource> model_checkpoints(const std::vector<std::string>& dirs, const std::string& which);

struct AverageResult {
  std::string out;                    // the new model directory
  std::vector<AverageSource> sources;  // what was averaged
  int64_t tensors = 0;                // parameters and buffers averaged
  int64_t values = 0;                 // their elements
};

// Averages `files` (summed in float64, stored in the tensors' own type, float32) into the new
// directory `out`, which must not exist or be empty. method: "last", "best" or "models" (for
// average.json). Throws UsageError for incompatible checkpoints, IoError for unreadable or
// damaged ones; nothing is written unless every check passed, and the files appear together.
AverageResult average_checkpoints(const std::vector<AverageSource>& files, const std::string& out,
                                  const std::string& method);

}  // namespace nmt
