// The model options of translate and evaluate: -m DIR (repeat for an ensemble), --weights
// W1,W2,... (ensemble weights) and --checkpoint best|last.
#include <cmath>
#include <cstdlib>

#include "cli.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/error.h"

namespace nmt::cli {

void add_model_options(CLI::App* sub, ModelOptions& m) {
  sub->add_option("-m,--model", m.dirs,
                  "Model directory (from nmt train or nmt average); repeat it to decode with an ensemble of the "
                  "models (they may differ in architecture but must share the vocabulary)")
      ->required();
  sub->add_option("--weights", m.weights,
                  "Ensemble weights, one per -m, e.g. 0.6,0.4 (default: equal); the ensemble scores each token "
                  "with the weighted mean of the models' log-probabilities. For compatibility, --weights best|last "
                  "is --checkpoint best|last")
      ->delimiter(',');
  sub->add_option("--checkpoint", m.checkpoint, "Which weights of each model directory: best or last")
      ->check(CLI::IsMember({"best", "last"}))
      ->capture_default_str();
}

LoadedModel load_models(const ModelOptions& m, const torch::Device& device) {
  std::string checkpoint = m.checkpoint;
  std::vector<double> weights;
  if (m.weights.size() == 1 && (m.weights[0] == "best" || m.weights[0] == "last")) {
    checkpoint = m.weights[0];  // the option's meaning before ensembles
  } else {
    for (const auto& w : m.weights) {
      char* end = nullptr;
      const double v = std::strtod(w.c_str(), &end);
      if (w.empty() || end != w.c_str() + w.size() || !std::isfinite(v) || v <= 0)
        throw UsageError("--weights: expected positive numbers, one per -m (e.g. 0.6,0.4), got \"" + w + "\"");
      weights.push_back(v);
    }
  }
  return nmt::load_models(m.dirs, device, checkpoint, weights);
}

}  // namespace nmt::cli
