// nmt compare: attention vs no attention vs Transformer, side by side, as a report.
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "cli.h"
#include "nmt/compare/compare.h"

namespace nmt::cli {

void add_compare(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<CompareOptions>();
  auto* sub = app.add_subcommand(
      "compare",
      "Train (or reuse) several models, evaluate them on the same test set with the same decoding "
      "settings, and write report.md + report.html (summary, BLEU by source length, learning curves, "
      "attention heatmaps, examples)");
  sub->add_option("-c,--config", o->configs, "A config to train (repeat: one per model)");
  sub->add_option("--models", o->models, "Trained model directories to reuse instead of training");
  sub->add_option("--budget-minutes", o->budget_minutes,
                  "Training budget per model in minutes (sets train.max_minutes for every config)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--models-dir", o->models_dir,
                  "Train each config into DIR/<config name> instead of its `output` (keeps earlier runs)");
  sub->add_option("--set", o->overrides, "dotted.key=value override applied to every config (repeatable)");
  sub->add_option("--out", o->out_dir, "Report directory")->required();
  sub->add_option("-k,--beam-size", o->beam_size, "Beam size for test BLEU (speed is also measured at beam 1)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--length-penalty", o->length_penalty, "GNMT length penalty alpha for every model")
      ->capture_default_str();
  sub->add_option("--examples", o->examples, "Example translations in the report (the longest sentence is one)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  sub->callback([o, &g] {
    o->device = apply_globals(g);
    o->live_progress = ::isatty(2);
    // The exact command, for the report's "Reproduce" section.
    std::string cmd = "nmt";
    if (g.device != "auto") cmd += " --device " + g.device;
    if (g.threads > 0) cmd += " --threads " + std::to_string(g.threads);
    cmd += " compare";
    for (auto& c : o->configs) cmd += " -c " + c;
    for (auto& m : o->models) cmd += " --models " + m;
    if (o->budget_minutes > 0) {
      std::ostringstream b;
      b << o->budget_minutes;
      cmd += " --budget-minutes " + b.str();
    }
    if (!o->models_dir.empty()) cmd += " --models-dir " + o->models_dir;
    for (auto& s : o->overrides) cmd += " --set " + s;
    cmd += " --out " + o->out_dir;
    o->command_line = cmd;
    std::string html = run_compare(*o);
    std::cout << "report: " << html << "\n";
  });
}

}  // namespace nmt::cli
