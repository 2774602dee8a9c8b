// `nmt train` as a library call: data, model, optimizer, schedule, validation, checkpoints,
// exact resume and clean interruption. Writes everything into cfg.output (see model_dir.h).
#pragma once
#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "nmt/config/config.h"

namespace nmt {

struct TrainOptions {
  torch::Device device{torch::kCPU};
  // Continue the run saved in cfg.output (last.pt + train_state.pt). Without it, a directory
  // that already holds training state is an error (saved work is never overwritten).
  bool resume = false;
  // Polled once per optimizer step (e.g. set by a SIGINT handler): finish the step, save
  // last.pt + train_state.pt, return with interrupted = true.
  const std::atomic<bool>* stop = nullptr;
  // Live progress line on stderr (\r) instead of periodic log lines.
  bool live_progress = false;
};

struct TrainResult {
  int64_t steps = 0;              // optimizer steps taken in total (all runs)
  int64_t steps_this_run = 0;
  int64_t epoch = 0;
  double wall_seconds = 0;        // this run
  double tokens_per_s = 0;        // mean target tokens/s of this run (training steps only)
  bool has_best = false;
  double best_metric = 0;
  int64_t best_step = 0;
  std::string metric;             // bleu | chrf | loss
  std::string best_path;          // best.pt, if written
  std::string stop_reason;        // max_steps | max_epochs | max_minutes | early_stopping | interrupted
  bool interrupted = false;
  std::vector<double> step_losses;  // mean smoothed loss per token of each step of this run
  int64_t parameters = 0;
  double last_dev_bleu = -1, last_dev_chrf = -1, last_dev_loss = -1;
};

// Throws ConfigError/DataError/IoError/Error with a clear message on failure.
TrainResult train_model(const Config& cfg, const TrainOptions& opt);

// True when `dir` already holds training state (train_state.pt or last.pt).
bool has_training_state(const std::string& dir);

}  // namespace nmt
