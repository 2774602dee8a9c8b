// `nmt train`: train a model from a YAML config into its model directory.
//
// Ctrl-C (SIGINT) or SIGTERM: the current optimizer step finishes, last.pt and
// train_state.pt are saved, and nmt exits with code 0 (resume with --resume).
// A second Ctrl-C kills immediately (the previous checkpoint stays loadable).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/trainer.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"

namespace nmt::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int sig) {
  if (g_stop.load()) {  // second signal: give up at once
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_stop.store(true);
}

struct SignalScope {
  struct sigaction old_int {}, old_term {}, old_xfsz {};
  SignalScope() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    // Over a file size limit (ulimit -f), a write fails with EFBIG and training stops with an
    // error naming the file, as on a full disk, instead of the process being killed.
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGXFSZ, &ign, &old_xfsz);
  }
  ~SignalScope() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    sigaction(SIGXFSZ, &old_xfsz, nullptr);
  }
};

struct TrainArgs {
  std::string config, model_dir;
  bool resume = false;
  std::vector<std::string> sets;
};

Config resolve_config(const TrainArgs& a) {
  namespace fs = std::filesystem;
  if (!a.model_dir.empty()) {  // --resume -m DIR
    fs::path saved = fs::path(a.model_dir) / "config.yaml";
    if (!fs::exists(saved)) throw IoError("model directory " + a.model_dir + " has no config.yaml");
    Config cfg = parse_config_text(read_file(saved.string()), saved.string(), a.sets);
    cfg.output = a.model_dir;
    return cfg;
  }
  Config cfg = load_config(a.config, a.sets);
  if (!a.resume) return cfg;
  // Resume from the resolved copy in the model directory; --set overrides still apply.
  fs::path saved = fs::path(cfg.output) / "config.yaml";
  if (!fs::exists(saved)) throw Error("cannot resume: " + cfg.output + " has no config.yaml (never trained?)");
  std::string output = cfg.output;
  cfg = parse_config_text(read_file(saved.string()), saved.string(), a.sets);
  cfg.output = output;
  return cfg;
}

}  // namespace

void add_train(CLI::App& app, GlobalOptions& g) {
  auto a = std::make_shared<TrainArgs>();
  auto* sub = app.add_subcommand(
      "train",
      "Train a model from a YAML config into its model directory (config key `output`).\n"
      "Ctrl-C finishes the current step, saves last.pt + train_state.pt and exits 0; --resume continues "
      "the same run exactly.");
  auto* c = sub->add_option("-c,--config", a->config, "YAML config (e.g. configs/toy/reverse-transformer.yaml)")
                ->check(CLI::ExistingFile);
  auto* m = sub->add_option("-m,--model-dir", a->model_dir,
                            "Resume the model directory DIR using its saved config.yaml (implies --resume)");
  c->excludes(m);
  sub->add_flag("--resume", a->resume,
                "Continue the run saved in the output directory (weights, optimizer, schedule, data position, RNG)");
  sub->add_option("--set", a->sets, "Override a config key, e.g. --set train.max_steps=2000 (repeatable)")
      ->type_name("KEY=VALUE");
  sub->callback([&g, a] {
    torch::Device device = apply_globals(g);
    if (a->config.empty() && a->model_dir.empty()) throw UsageError("train: give -c CONFIG (or --resume -m DIR)");
    if (!a->model_dir.empty()) a->resume = true;
    Config cfg = resolve_config(*a);
    TrainOptions opt;
    opt.device = device;
    opt.resume = a->resume;
    opt.stop = &g_stop;
    opt.live_progress = ::isatty(2) != 0;
    g_stop = false;
    SignalScope signals;
    TrainResult r = train_model(cfg, opt);
    std::cout << "model:        " << cfg.output << " (" << enum_name(cfg.model.arch) << ", " << r.parameters
              << " parameters)\n"
              << "stopped:      " << r.stop_reason << " after " << r.steps_this_run << " steps this run, "
              << r.steps << " in total\n"
              << "wall time:    " << static_cast<int64_t>(r.wall_seconds) << " s\n"
              << "throughput:   " << static_cast<int64_t>(r.tokens_per_s) << " target tokens/s\n";
    if (r.has_best)
      std::cout << "best dev " << enum_name(r.metric) << ": " << r.best_metric << " at step " << r.best_step << " ("
                << r.best_path << ")\n";
    if (r.interrupted) std::cout << "interrupted: continue with `nmt train -c <config> --resume`\n";
  });
}

}  // namespace nmt::cli
