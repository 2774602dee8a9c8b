// `nmt train` as a library: data, model, optimizer, schedule, validation, checkpoints, exact
// resume and clean interruption. Writes everything into cfg.output (see model_dir.h).
//
// Trainer runs in named steps — setup, resume, step, validate, save, finish — so that
// distributed training and budget-aware schedules can hook into each one.
#pragma once
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/data/batcher.h"
#include "nmt/data/corpus.h"
#include "nmt/data/tokenizer.h"
#include "nmt/models/seq2seq.h"
#include "nmt/training/amp.h"
#include "nmt/training/budget.h"
#include "nmt/training/checkpoint.h"
#include "nmt/training/data_parallel.h"
#include "nmt/training/metrics_log.h"
#include "nmt/training/progress.h"
#include "nmt/training/schedule.h"
#include "nmt/training/validator.h"
#include "nmt/util/error.h"

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
  // Data-parallel training: this process is one rank of `dist` (nmt/dist/distributed.h).
  // Rank 0 alone writes the model directory, logs metrics, validates and saves.
  Distributed* dist = nullptr;
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
  DevMetric metric = DevMetric::BLEU;
  std::string best_path;          // best.pt, if written
  std::string stop_reason;        // max_steps | max_epochs | max_minutes | early_stopping | interrupted
  bool interrupted = false;
  std::vector<double> step_losses;  // mean smoothed loss per token of each step of this run
  int64_t parameters = 0;
  double last_dev_bleu = -1, last_dev_chrf = -1, last_dev_loss = -1;
};

class Trainer {
 public:
  // Checks the model directory (refusing to overwrite saved work unless resuming), writes
  // config.yaml, and prepares tokenizers, data, model, optimizer and schedule.
  Trainer(const Config& cfg, const TrainOptions& opt);
  ~Trainer();

  // Trains until a stop condition holds, validates once more, saves, and reports.
  TrainResult run();

  // The named steps run() is made of.
  void resume();                         // weights, optimizer, counters, data position, RNG
  std::string stop_reason() const;       // "" while training should go on
  bool step();                           // one optimizer step; false if skipped or out of data
  void validate(bool final_check);       // dev loss/BLEU, best.pt, early stopping, plateau
  void save();                           // last.pt + train_state.pt + train_state.json

  const TrainState& state() const { return st_; }
  Seq2SeqImpl& model() { return *model_; }

 private:
  using Clock = std::chrono::steady_clock;
  void prepare_directory();
  void setup_data();
  void setup_model();
  void record_step(int64_t tokens, double loss_sum, double nll_sum, double lr, double seconds);
  void log_interval(double lr);
  double epoch_progress() const;
  double run_seconds() const;
  double budget_seconds() const { return wall_before_ + run_seconds(); }  // max_minutes counts all runs
  void update_horizon();                 // the budget's last step, for schedule: linear and validations
  bool validation_due();                 // validate_every, or the budget's evenly spaced points
  TrainResult finish();
  // Rethrows a failed checkpoint write with what is still intact; training stops.
  [[noreturn]] void stop_after_failed_write(const IoError& e);
  void append_metrics(const Json& rec);  // metrics.jsonl; a failed write stops training

  bool writes() const { return !dp_ || dp_->main(); }  // this process owns the model directory
  StopRequest local_stop() const;            // max_minutes, early stopping, the stop flag
  void sync_with_main(const std::string& what);  // data-parallel: wait for / release rank 0

  const Config& cfg_;
  const TrainConfig& tc_;
  TrainOptions opt_;
  std::filesystem::path out_;
  std::unique_ptr<DataParallel> dp_;  // data-parallel training, else null
  StopRequest agreed_stop_ = StopRequest::None;  // data-parallel: what every rank agreed on

  Tokenizers tok_;
  FileChecksums tokenizer_checksums_;            // recorded in every weights file
  std::unique_ptr<CheckpointFile> resume_weights_;  // last.pt, read and verified before setup
  EncodedCorpus train_;
  ParallelText dev_text_;
  EncodedCorpus dev_;
  Seq2Seq model_;
  std::vector<torch::Tensor> params_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  LrSchedule sched_;
  Amp amp_;
  std::unique_ptr<Batcher> batcher_;
  std::unique_ptr<Validator> validator_;
  std::unique_ptr<StepHorizon> horizon_;
  int64_t end_step_ = 0;          // the budget's last step as last estimated (0: unknown)
  int64_t points_validated_ = 0;  // train.validations: the budget's points validated so far
  MetricsLog metrics_;
  ProgressLine progress_;

  TrainState st_;
  TrainResult res_;
  Clock::time_point t0_;
  double wall_before_ = 0;      // training wall time of earlier runs (resume)
  int64_t epoch_at_start_ = 0;
  int64_t nan_run_ = 0, last_validated_ = 0;
  int64_t saved_step_ = -1;     // step of the last.pt + train_state.pt on disk (-1: none)
  bool data_exhausted_ = false;
  // This run's totals, and the current log interval's.
  int64_t run_tokens_ = 0;
  double train_seconds_ = 0;
  int64_t log_tokens_ = 0;
  double log_loss_ = 0, log_nll_ = 0;
  double log_seconds_ = 0;  // training time of the current log interval (no validation or saving)
  double last_lr_ = 0;
};

// Trainer(cfg, opt).run(). Throws ConfigError/DataError/IoError/Error with a clear message.
TrainResult train_model(const Config& cfg, const TrainOptions& opt);

// True when `dir` already holds training state (train_state.pt, last.pt or step-<N>.pt).
bool has_training_state(const std::string& dir);

}  // namespace nmt
