// nmt average: checkpoint averaging into a new model directory (training/average.h).
#include <spdlog/fmt/fmt.h>

#include <iostream>

#include "cli.h"
#include "nmt/training/average.h"
#include "nmt/util/error.h"

namespace nmt::cli {
namespace {

struct AverageArgs {
  std::vector<std::string> dirs;
  std::string out, checkpoint = "best";
  int64_t last = 0, best = 0;
};

// The checkpoints the arguments name: the last/best K step checkpoints of one directory, or
// the best.pt (last.pt) of several.
std::vector<AverageSource> choose(const AverageArgs& a, std::string& method) {
  if (a.last > 0 || a.best > 0) {
    if (a.last > 0 && a.best > 0) throw UsageError("average: give --last K or --best K, not both");
    if (a.dirs.size() != 1)
      throw UsageError("average: --last/--best choose step checkpoints of one model directory (give one -m)");
    method = a.last > 0 ? "last" : "best";
    return a.last > 0 ? last_checkpoints(a.dirs[0], a.last) : best_checkpoints(a.dirs[0], a.best);
  }
  if (a.dirs.size() < 2)
    throw UsageError("average: give --last K or --best K to average a run's step checkpoints, or several -m "
                     "directories to average their " + a.checkpoint + ".pt");
  method = "models";
  return model_checkpoints(a.dirs, a.checkpoint);
}

}  // namespace

void add_average(CLI::App& app, GlobalOptions& g) {
  auto a = std::make_shared<AverageArgs>();
  auto* sub = app.add_subcommand(
      "average",
      "Average checkpoints (the element-wise mean of the weights) into a new, complete model directory: the last or "
      "best K step checkpoints of a run trained with train.keep_checkpoints, or the weights of several runs of one "
      "architecture and vocabulary.");
  sub->add_option("-m,--model", a->dirs, "Model directory (repeat to average several runs' weights)")->required();
  sub->add_option("--last", a->last, "Average the K newest step checkpoints (step-<N>.pt)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--best", a->best, "Average the K step checkpoints with the best dev metric (train.metric) in "
                                     "metrics.jsonl")
      ->check(CLI::PositiveNumber);
  sub->add_option("--out", a->out, "New model directory (must not exist, or be empty)")->required();
  sub->add_option("--checkpoint", a->checkpoint, "With several -m: which weights of each, best or last")
      ->check(CLI::IsMember({"best", "last"}))
      ->capture_default_str();
  sub->callback([a, &g] {
    apply_globals(g);
    std::string method;
    const std::vector<AverageSource> files = choose(*a, method);
    const AverageResult r = average_checkpoints(files, a->out, method);
    std::cout << fmt::format("averaged {} checkpoints ({} tensors, {:.2f}M values) into {}:\n", r.sources.size(),
                             r.tensors, static_cast<double>(r.values) / 1e6, r.out);
    for (const auto& f : r.sources)
      std::cout << "  " << f.path << (f.step >= 0 ? fmt::format("  step {}", f.step) : "")
                << (f.dev_metric ? fmt::format("  dev {:.2f}", *f.dev_metric) : "") << "\n";
  });
}

}  // namespace nmt::cli
