// Shared pieces of the nmt CLI: global options and one registration function per
// subcommand (each in its own cmd_<name>.cpp, thin: parse options, call the library).
#pragma once
#include <CLI/CLI.hpp>
#include <torch/types.h>

#include <string>
#include <vector>

namespace nmt {
struct LoadedModel;  // nmt/training/model_dir.h
}

namespace nmt::cli {

struct GlobalOptions {
  std::string device = "auto";     // auto | cpu | cuda[:N]
  int threads = 0;                 // 0 = all cores
  std::string log_level = "info";
};

// Sets up logging and threads from the globals and resolves the device. main() calls it
// once before any subcommand runs; subcommands call it again to get the device (cached).
torch::Device apply_globals(const GlobalOptions& g);

// The model options of translate and evaluate (model_options.cpp): -m DIR, repeated for an
// ensemble; --weights W1,W2,... (ensemble weights); --checkpoint best|last.
struct ModelOptions {
  std::vector<std::string> dirs;
  std::vector<std::string> weights;  // numbers; a lone best|last is the old --checkpoint
  std::string checkpoint = "best";
};
void add_model_options(CLI::App* sub, ModelOptions& m);
// The model, or an ensemble of the models, the options name. UsageError for bad weights.
LoadedModel load_models(const ModelOptions& m, const torch::Device& device);

// Each adds its subcommand to `app`; the subcommand's callback does the work and throws
// nmt::Error on failure.
void add_data(CLI::App& app, GlobalOptions& g);
void add_train(CLI::App& app, GlobalOptions& g);
void add_translate(CLI::App& app, GlobalOptions& g);
void add_evaluate(CLI::App& app, GlobalOptions& g);
void add_score(CLI::App& app, GlobalOptions& g);
void add_compare(CLI::App& app, GlobalOptions& g);
void add_info(CLI::App& app, GlobalOptions& g);
void add_explain(CLI::App& app, GlobalOptions& g);
void add_serve(CLI::App& app, GlobalOptions& g);
void add_average(CLI::App& app, GlobalOptions& g);
void add_quantize(CLI::App& app, GlobalOptions& g);

}  // namespace nmt::cli
