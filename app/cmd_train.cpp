// `nmt train`: train a model from a YAML config into its model directory.
//
// Ctrl-C (SIGINT) or SIGTERM: the current optimizer step finishes, last.pt and
// train_state.pt are saved, and nmt exits with code 0 (resume with --resume).
// A second Ctrl-C kills immediately (the previous checkpoint stays loadable).
#include <unistd.h>

#include <torch/cuda.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli.h"
#include "nmt/dist/dist_env.h"
#include "nmt/dist/distributed.h"
#include "nmt/dist/launcher.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/trainer.h"
#include "nmt/util/device.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "nmt/util/logging.h"
#include "stop_signals.h"

namespace nmt::cli {
namespace {

struct TrainArgs {
  std::string config, model_dir;
  bool resume = false;
  std::vector<std::string> sets;
  LaunchOptions launch;  // --nproc-per-node & co.
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

// Data-parallel worker: threads, device and logging of this rank, then the process group.
std::unique_ptr<Distributed> join_job(const DistEnv& env, const GlobalOptions& g, const Config& cfg,
                                      torch::Device& device) {
  if (device.is_cpu() && g.threads == 0 && env.local_world > 1)
    set_threads(std::max(1, hardware_threads() / env.local_world));
  if (device.is_cuda() && (g.device == "auto" || g.device == "cuda"))  // torchrun's convention
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(
                                             env.local_rank % static_cast<int>(torch::cuda::device_count())));
  if (env.rank != 0) {
    set_log_tag("rank " + std::to_string(env.rank));
    if (g.log_level == "info") setup_logging("warn");  // rank 0 tells the story
  }
  DistOptions o;
  o.backend = cfg.train.dist_backend;
  o.timeout = std::chrono::milliseconds(static_cast<int64_t>(cfg.train.dist_timeout * 1000));
  o.device = device;
  return Distributed::join(env, o);
}

// Every rank trains with rank 0's resolved config (one config, even across machines).
Config adopt_rank0_config(Distributed& dist, Config cfg) {
  if (dist.is_main()) {
    dist.main_done(to_yaml(cfg));
    return cfg;
  }
  return parse_config_text(dist.wait_for_main("reading the config"), "rank 0's config");
}

void print_summary(const Config& cfg, const TrainResult& r, bool data_parallel) {
  std::cout << "model:        " << cfg.output << " (" << enum_name(cfg.model.arch) << ", " << r.parameters
            << " parameters)\n"
            << "stopped:      " << r.stop_reason << " after " << r.steps_this_run << " steps this run, " << r.steps
            << " in total\n"
            << "wall time:    " << static_cast<int64_t>(r.wall_seconds) << " s\n"
            << "throughput:   " << static_cast<int64_t>(r.tokens_per_s) << " target tokens/s\n";
  if (r.has_best)
    std::cout << "best dev " << enum_name(r.metric) << ": " << r.best_metric << " at step " << r.best_step << " ("
              << r.best_path << ")\n";
  if (r.interrupted)
    std::cout << "interrupted: continue with `nmt train -c <config> --resume`"
              << (data_parallel ? " and the same number of processes" : "") << "\n";
}

// The config a data-parallel rank joins the job with. A rank other than 0 resuming on a
// machine without the model directory takes -c CONFIG (or the defaults): it only needs the
// train.dist_* keys to join, and then adopts rank 0's config.
Config config_to_join(const TrainArgs& a, const DistEnv& env) {
  namespace fs = std::filesystem;
  if (env.rank == 0 || !a.resume) return resolve_config(a);
  const std::string dir = a.model_dir.empty() ? load_config(a.config, a.sets).output : a.model_dir;
  if (fs::exists(fs::path(dir) / "config.yaml")) return resolve_config(a);
  return a.config.empty() ? Config{} : load_config(a.config, a.sets);
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
  const char* kDist = "Data-parallel training (see README: Training on several GPUs or machines)";
  auto* np = sub->add_option("--nproc-per-node", a->launch.nproc_per_node,
                             "Train with N worker processes on this machine (one per GPU; on the CPU each gets "
                             "cores/N threads unless --threads says otherwise); nmt starts and watches them")
                 ->check(CLI::Range(1, 1024))
                 ->group(kDist);
  sub->add_option("--nnodes", a->launch.nnodes, "Machines in the job (run nmt train on each)")
      ->check(CLI::PositiveNumber)
      ->needs(np)
      ->group(kDist);
  sub->add_option("--node-rank", a->launch.node_rank, "This machine's index, 0 .. nnodes-1 (0 hosts the rendezvous)")
      ->check(CLI::NonNegativeNumber)
      ->needs(np)
      ->group(kDist);
  sub->add_option("--master-addr", a->launch.master_addr, "Address of machine 0 (default 127.0.0.1)")
      ->needs(np)
      ->group(kDist);
  sub->add_option("--master-port", a->launch.master_port, "Rendezvous port on machine 0 (default: any free port; "
                                                          "needed with --nnodes > 1)")
      ->check(CLI::Range(0, 65535))
      ->needs(np)
      ->group(kDist);
  sub->callback([&g, a, np] {
    torch::Device device = apply_globals(g);
    if (a->config.empty() && a->model_dir.empty()) throw UsageError("train: give -c CONFIG (or --resume -m DIR)");
    if (!a->model_dir.empty()) a->resume = true;
    if (np->count() > 0 && !is_launched_worker()) {  // the launcher: check the config, start the workers
      resolve_config(*a);
      LaunchOptions lo = a->launch;
      if (device.is_cpu())
        lo.threads_per_worker = g.threads > 0 ? g.threads : std::max(1, hardware_threads() / lo.nproc_per_node);
      lo.args = own_command_line();
      launch_workers(lo);
      return;
    }
    const auto env = dist_env_from_environment();
    Config cfg = env ? config_to_join(*a, *env) : resolve_config(*a);
    std::unique_ptr<Distributed> dist;
    if (env) {
      dist = join_job(*env, g, cfg, device);
      cfg = adopt_rank0_config(*dist, std::move(cfg));
    }
    TrainOptions opt;
    opt.device = device;
    opt.resume = a->resume;
    opt.stop = &StopSignals::flag();
    opt.live_progress = ::isatty(2) != 0;
    opt.dist = dist.get();
    StopSignals signals;
    TrainResult r = train_model(cfg, opt);
    if (!dist || dist->is_main()) print_summary(cfg, r, dist != nullptr);
  });
}

}  // namespace nmt::cli
