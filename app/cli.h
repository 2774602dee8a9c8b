// Shared pieces of the nmt CLI: global options and one registration function per
// subcommand (each in its own cmd_<name>.cpp, thin: parse options, call the library).
#pragma once
#include <CLI/CLI.hpp>
#include <torch/types.h>

#include <string>

namespace nmt::cli {

struct GlobalOptions {
  std::string device = "auto";     // auto | cpu | cuda[:N]
  int threads = 0;                 // 0 = all cores
  std::string log_level = "info";
};

// Sets up logging and threads from the globals and resolves the device. main() calls it
// once before any subcommand runs; subcommands call it again to get the device (cached).
torch::Device apply_globals(const GlobalOptions& g);

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
void add_quantize(CLI::App& app, GlobalOptions& g);

}  // namespace nmt::cli
