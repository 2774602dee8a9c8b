// nmt: train, compare, evaluate and serve neural machine translation models.
// The only place that catches nmt::Error and turns it into an exit code:
//   0 ok, 1 runtime error, 2 usage error (bad option or bad config).
#include <torch/torch.h>

#include <iostream>

#include "cli.h"
#include "nmt/util/device.h"
#include "nmt/util/error.h"
#include "nmt/util/logging.h"
#include "nmt/util/runtime_env.h"

namespace nmt::cli {

torch::Device apply_globals(const GlobalOptions& g) {
  static std::string applied;  // the globals already applied, so repeated calls are cheap
  static torch::Device device(torch::kCPU);
  std::string key = g.device + "|" + std::to_string(g.threads) + "|" + g.log_level;
  if (applied == key) return device;
  setup_logging(g.log_level);
  int n = set_threads(g.threads);
  device = resolve_device(g.device);
  applied = key;
  spdlog::debug("device {}, {} threads", device.str(), n);
  return device;
}

}  // namespace nmt::cli

int main(int argc, char** argv) {
  // Threading and BLAS settings that only take effect at load time (see runtime_env.h).
  nmt::reexec_with_tuned_environment(argv);
  using namespace nmt::cli;
  CLI::App app{"nmt " NMT_VERSION ": neural machine translation with LibTorch — RNN, Bahdanau attention and Transformer.\n"
               "Train from YAML configs, compare architectures, evaluate, and translate with beam search."};
  app.set_version_flag("--version", std::string("nmt ") + NMT_VERSION + " (LibTorch " + TORCH_VERSION + ")");
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  GlobalOptions g;
  app.add_option("--device", g.device, "Device: auto (CUDA if available, else CPU), cpu, cuda or cuda:N")
      ->capture_default_str();
  app.add_option("--threads", g.threads, "CPU threads for torch; 0 = all cores (" +
                                             std::to_string(nmt::hardware_threads()) + " here)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--log-level", g.log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  // Runs after all options are parsed and before the chosen subcommand's callback, so every
  // subcommand starts with logging, threads and a validated --device.
  app.parse_complete_callback([&g] { apply_globals(g); });

  add_data(app, g);
  add_train(app, g);
  add_translate(app, g);
  add_evaluate(app, g);
  add_score(app, g);
  add_compare(app, g);
  add_info(app, g);
  add_explain(app, g);
  add_serve(app, g);
  add_average(app, g);
  add_quantize(app, g);

  try {
    nmt::setup_logging("info");
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help/--version exit 0; usage errors exit 2 (CLI11's own codes are remapped).
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const nmt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const c10::Error& e) {
    std::cerr << "error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
