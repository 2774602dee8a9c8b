#include "nmt/training/trainer.h"

#include <cmath>
#include <functional>

#include <spdlog/fmt/fmt.h>

#include "nmt/models/factory.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/step_checkpoints.h"
#include "nmt/training/train_step.h"
#include "nmt/util/checksum.h"
#include "nmt/util/device.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "nmt/util/logging.h"

namespace nmt {
namespace fs = std::filesystem;

bool has_training_state(const std::string& dir) {
  return fs::exists(fs::path(dir) / "train_state.pt") || fs::exists(fs::path(dir) / "last.pt") ||
         !list_step_checkpoints(dir).empty();
}

namespace {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& t, std::vector<torch::Tensor> params) {
  if (t.optimizer == OptimizerKind::AdamW) {
    auto o = torch::optim::AdamWOptions(t.lr).betas({t.beta1, t.beta2}).eps(t.eps).weight_decay(t.weight_decay);
    return std::make_unique<torch::optim::AdamW>(std::move(params), o);
  }
  auto o = torch::optim::AdamOptions(t.lr).betas({t.beta1, t.beta2}).eps(t.eps).weight_decay(t.weight_decay);
  return std::make_unique<torch::optim::Adam>(std::move(params), o);
}

bool is_oom(const c10::Error& e) {
  std::string m = e.what_without_backtrace();
  return m.find("out of memory") != std::string::npos;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// ---- setup --------------------------------------------------------------------------------

Trainer::Trainer(const Config& cfg, const TrainOptions& opt)
    : cfg_(cfg),
      tc_(cfg.train),
      opt_(opt),
      out_(cfg.output),
      dp_(opt.dist ? std::make_unique<DataParallel>(*opt.dist, cfg.train) : nullptr),
      sched_(cfg.train),
      amp_(cfg.train.amp, opt.device),
      progress_(opt.live_progress && writes()) {
  prepare_directory();
  spdlog::info("{} {} into {} on {}", opt_.resume ? "resuming" : "training", cfg_.name, cfg_.output,
               opt_.device.str());
  setup_data();
  setup_model();
}

Trainer::~Trainer() { remove_log_file(); }

void Trainer::prepare_directory() {
  if (cfg_.output.empty()) throw ConfigError({"output: the model directory must not be empty"});
  if (!writes()) return;  // data-parallel: rank 0 checks and writes the model directory
  if (fs::exists(out_ / kAverageRecordFile))
    throw Error("model directory " + cfg_.output + " holds averaged weights (" + kAverageRecordFile +
                ", written by nmt average); train into another directory — nothing was overwritten");
  if (is_int8_model_dir(cfg_.output))
    throw UsageError("model directory " + cfg_.output + " is an int8 model (nmt quantize, " + kInt8MarkerFile +
                     "): it is for inference only and cannot be trained or resumed; train the float model "
                     "directory it was quantized from — nothing was written");
  if (opt_.resume) {
    if (!fs::exists(out_ / "train_state.pt") || !fs::exists(out_ / "last.pt"))
      throw Error("cannot resume: " + cfg_.output + " has no last.pt + train_state.pt (start without --resume)");
  } else if (has_training_state(cfg_.output)) {
    throw Error("model directory " + cfg_.output +
                " already holds training state; use --resume to continue it, or choose another "
                "output (e.g. --set output=...) — nothing was overwritten");
  }
  std::error_code ec;
  fs::create_directories(out_, ec);
  if (ec) throw IoError("cannot create model directory " + cfg_.output + ": " + ec.message());
  write_file_atomic((out_ / "config.yaml").string(), to_yaml(cfg_));
  add_log_file((out_ / "train.log").string());
}

void Trainer::setup_data() {
  torch::manual_seed(static_cast<uint64_t>(tc_.seed));
  // A damaged last.pt or tokenizer file is reported before anything is loaded (data-parallel:
  // DataParallel::resume_files reads and checks it on rank 0).
  if (opt_.resume && !dp_) {
    resume_weights_ = std::make_unique<CheckpointFile>(read_checkpoint((out_ / "last.pt").string()));
    check_weights_dependencies(*resume_weights_);
  }
  tok_ = dp_ ? dp_->tokenizers(cfg_.output, cfg_.tokenizer, cfg_.data.train)
             : prepare_tokenizers(cfg_.output, cfg_.tokenizer, cfg_.data.train);
  if (writes()) tokenizer_checksums_ = file_checksums(cfg_.output, tokenizer_files(cfg_.tokenizer));
  CorpusStats cs;
  train_ = encode_corpus(read_parallel(cfg_.data.train), tok_, true, cfg_.data.max_len, cfg_.data.max_len_ratio,
                         &cs);
  spdlog::info("train: {} pairs read, {} kept ({} empty, {} too long, {} bad ratio), {} target tokens", cs.read,
               cs.kept, cs.skipped_empty, cs.skipped_long, cs.skipped_ratio, train_.total_tgt_tokens());
  if (train_.size() == 0) throw DataError("no training pairs left after filtering " + cfg_.data.train.src);
  dev_text_ = read_parallel(cfg_.data.dev);
  dev_ = encode_corpus(dev_text_, tok_, false, cfg_.data.max_len, cfg_.data.max_len_ratio);
  spdlog::info("dev: {} pairs; vocab src {} tgt {}", dev_.size(), tok_.src->vocab_size(), tok_.tgt->vocab_size());
  batcher_ = std::make_unique<Batcher>(train_, tc_.batch_tokens, static_cast<uint64_t>(tc_.seed));
  if (dp_) batcher_->shard(dp_->rank(), dp_->world());
  const int64_t steps_per_epoch = (batcher_->batches_per_epoch() + tc_.accum_steps - 1) / tc_.accum_steps;
  horizon_ = std::make_unique<StepHorizon>(tc_, std::max<int64_t>(1, steps_per_epoch));
}

void Trainer::setup_model() {
  model_ = make_model(cfg_.model, tok_.src->vocab_size(), tok_.tgt->vocab_size());
  model_->to(opt_.device);
  model_->train();
  res_.parameters = model_->parameter_count();
  res_.metric = tc_.metric;
  params_ = model_->parameters();
  optimizer_ = make_optimizer(tc_, params_);
  if (dp_) dp_->attach(*model_, params_, opt_.resume, tc_.seed);
  validator_ = std::make_unique<Validator>(cfg_, dev_text_, dev_, tok_, opt_.device);
}

void Trainer::resume() {
  const std::string last = (out_ / "last.pt").string(), state = (out_ / "train_state.pt").string();
  if (dp_) {  // rank 0 reads the files, every rank loads the same bytes
    auto [weights, train_state] = dp_->resume_files(out_);
    load_weights(*model_, weights, opt_.device);
    st_ = load_train_state(train_state, *optimizer_, opt_.device, &weights);
    dp_->check_and_pick_rng(st_, cfg_.output);
  } else {
    if (!resume_weights_) resume_weights_ = std::make_unique<CheckpointFile>(read_checkpoint(last));
    load_weights(*model_, *resume_weights_, opt_.device);
    st_ = load_train_state(read_checkpoint(state), *optimizer_, opt_.device, resume_weights_.get());
    check_world_size(st_, 1, cfg_.output);
  }
  resume_weights_.reset();
  restore_rng(st_, opt_.device);
  saved_step_ = st_.step;
  // Step checkpoints newer than last.pt belong to a run this one does not continue.
  if (writes()) prune_step_checkpoints(cfg_.output, tc_.keep_checkpoints, st_.step);
  batcher_->seek(st_.epoch, st_.batch_pos);
  sched_.set_state(st_.schedule);
  if (st_.loss_scale > 0) {
    amp_.scale_ref() = st_.loss_scale;
    amp_.good_ref() = st_.loss_scale_good;
  }
  spdlog::info("resumed at step {}, epoch {} (batch {})", st_.step, st_.epoch + 1, st_.batch_pos);
}

// ---- the loop -----------------------------------------------------------------------------

TrainResult Trainer::run() {
  if (opt_.resume) resume();
  if (writes()) metrics_.open((out_ / "metrics.jsonl").string(), /*keep_up_to_step=*/st_.step);
  t0_ = Clock::now();
  wall_before_ = st_.wall_seconds;
  epoch_at_start_ = batcher_->epoch();
  last_validated_ = st_.step;
  points_validated_ = validation_points_at(st_.step, sched_.horizon(), tc_.validations);
  std::string reason;
  while (true) {
    update_horizon();
    if (!(reason = stop_reason()).empty()) break;
    if (!step()) continue;
    if (validation_due()) validate(false);
    if (st_.step % tc_.save_every == 0) save();
  }
  res_.stop_reason = reason;
  progress_.clear();
  if (writes() && log_tokens_ > 0) log_interval(last_lr_);  // the steps since the last record
  if (reason != "interrupted" && st_.step > last_validated_ && res_.steps_this_run > 0) validate(true);
  save();
  if (dp_) dp_->finish();
  return finish();
}

std::string Trainer::stop_reason() const {
  if (tc_.max_steps > 0 && st_.step >= tc_.max_steps) return "max_steps";
  if (data_exhausted_) return "max_epochs";
  // Data-parallel ranks stop on what they agreed after the last step or rank 0's validation.
  return stop_request_name(dp_ ? agreed_stop_ : local_stop());
}

void Trainer::update_horizon() {
  // Validations still to come, the final one included (what the time budget must leave room for).
  const int64_t left = std::max<int64_t>(1, tc_.validations - points_validated_);
  end_step_ = horizon_->estimate(st_.step, res_.steps_this_run, run_seconds(), budget_seconds(), left,
                                 sched_.horizon());
  sched_.set_horizon(end_step_);
}

bool Trainer::validation_due() {
  // Data-parallel ranks estimate a time budget's horizon each from their own clock, so they
  // could disagree on its points: they validate every validate_every steps instead.
  const bool points_agree = !dp_ || !horizon_->timed();
  if (tc_.validations <= 0 || sched_.horizon() <= 0 || !points_agree) return st_.step % tc_.validate_every == 0;
  const int64_t points = validation_points_at(st_.step, sched_.horizon(), tc_.validations);
  // The point at the end of the budget is the final validation, after the loop.
  const bool due = points > points_validated_ && st_.step < sched_.horizon();
  points_validated_ = std::max(points_validated_, points);
  return due;
}

StopRequest Trainer::local_stop() const {
  if (tc_.max_minutes > 0 && budget_seconds() >= tc_.max_minutes * 60) return StopRequest::MaxMinutes;
  // What is left of a time budget is what the remaining validations are estimated to take.
  if (horizon_->timed() && end_step_ > 0 && st_.step >= end_step_) return StopRequest::MaxMinutes;
  if (tc_.patience > 0 && st_.bad_validations >= tc_.patience) return StopRequest::EarlyStopping;
  if (opt_.stop && opt_.stop->load()) return StopRequest::Interrupted;
  return StopRequest::None;
}

bool Trainer::step() {
  const auto step_t0 = Clock::now();
  std::vector<Batch> group;
  for (int64_t k = 0; k < tc_.accum_steps && !data_exhausted_; ++k) {
    Batch b;
    while (!batcher_->next(&b)) {  // false at the end of an epoch: the batcher moved to the next
      if (tc_.max_epochs > 0 && batcher_->epoch() >= tc_.max_epochs) {
        data_exhausted_ = true;
        break;
      }
    }
    if (!data_exhausted_) group.push_back(std::move(b));
  }
  if (group.empty()) return false;
  // Data-parallel: every loss is divided by the target tokens of all ranks' groups, and the
  // gradient all-reduce is armed for the last backward pass (training/data_parallel.h).
  int64_t norm_tokens = 0;
  std::function<void()> arm;
  if (dp_) {
    int64_t local = 0;
    for (const auto& b : group) local += b.tgt_tokens;
    norm_tokens = dp_->global_tokens(local);
    arm = [this] { dp_->before_last_backward(); };
  }
  optimizer_->zero_grad();
  GroupLoss gl;
  try {
    gl = backward_group(*model_, group, tc_.label_smoothing, amp_, opt_.device, norm_tokens, arm);
  } catch (const c10::Error& e) {
    if (!is_oom(e)) throw;
    throw Error(fmt::format("out of memory on {} with train.batch_tokens={} (accum_steps={}); try a smaller batch, "
                            "e.g. --set train.batch_tokens={} --set train.accum_steps={}",
                            opt_.device.str(), tc_.batch_tokens, tc_.accum_steps, tc_.batch_tokens / 2,
                            tc_.accum_steps * 2));
  }
  double lr = sched_.lr(st_.step + 1);
  if (dp_) {  // the summed gradients, loss sums and stop requests; rank 0's learning rate
    const GlobalStep g = dp_->finish_step(gl.loss_sum, gl.nll_sum, lr, local_stop());
    gl.loss_sum = g.loss_sum;
    gl.nll_sum = g.nll_sum;
    gl.tokens = norm_tokens;
    lr = g.lr;
    agreed_stop_ = g.stop;
  }
  bool finite = std::isfinite(gl.loss_sum) && amp_.unscale_and_check(params_);
  if (finite && tc_.clip_norm > 0) finite = std::isfinite(torch::nn::utils::clip_grad_norm_(params_, tc_.clip_norm));
  if (!finite) {
    optimizer_->zero_grad();
    ++nan_run_;
    spdlog::warn("step {}: non-finite loss or gradient, batch skipped ({} in a row)", st_.step + 1, nan_run_);
    if (nan_run_ >= tc_.max_nan_batches)
      throw Error(fmt::format("aborting: {} non-finite losses in a row (train.max_nan_batches); try a lower train.lr, "
                              "a longer train.warmup or train.clip_norm > 0",
                              nan_run_));
    return false;
  }
  nan_run_ = 0;
  for (auto& g : optimizer_->param_groups()) g.options().set_lr(lr);
  optimizer_->step();
  amp_.good_step();
  record_step(gl.tokens, gl.loss_sum, gl.nll_sum, lr, seconds_since(step_t0));
  return true;
}

void Trainer::record_step(int64_t tokens, double loss_sum, double nll_sum, double lr, double seconds) {
  ++st_.step;
  ++res_.steps_this_run;
  st_.tgt_tokens += tokens;
  run_tokens_ += tokens;
  train_seconds_ += seconds;
  const double step_loss = loss_sum / static_cast<double>(tokens);
  res_.step_losses.push_back(step_loss);
  log_seconds_ += seconds;
  last_lr_ = lr;
  log_loss_ += loss_sum;
  log_nll_ += nll_sum;
  log_tokens_ += tokens;
  if (progress_.live()) {
    const double eta = eta_seconds(tc_, st_.step, res_.steps_this_run, run_seconds(), epoch_progress(), epoch_at_start_);
    progress_.update(fmt::format("step {} | epoch {:.2f} | loss {:.3f} | ppl {:.1f} | lr {:.2e} | {:.0f} tok/s | ETA {}",
                                 st_.step, epoch_progress() + 1, step_loss,
                                 std::exp(std::min(nll_sum / static_cast<double>(tokens), 50.0)), lr,
                                 run_tokens_ / std::max(train_seconds_, 1e-9), format_duration(eta)));
  }
  if (dp_) dp_->set_progress(st_.step);
  if (writes() && st_.step % tc_.log_every == 0) log_interval(lr);
}

void Trainer::log_interval(double lr) {
  const double secs = log_seconds_;  // training steps only: validation and saving are not in tok/s
  const double tokens = static_cast<double>(log_tokens_);
  const double loss = log_loss_ / tokens, ppl = std::exp(std::min(log_nll_ / tokens, 50.0));
  const double tps = tokens / std::max(secs, 1e-9);
  Json rec;
  rec["type"] = "train";
  rec["step"] = st_.step;
  rec["epoch"] = batcher_->epoch() + 1;
  rec["wall"] = wall_before_ + run_seconds();
  rec["loss"] = loss;
  rec["ppl"] = ppl;
  rec["lr"] = lr;
  rec["tokens_per_s"] = tps;
  rec["peak_rss_mib"] = peak_rss_mib();
  append_metrics(rec);
  if (!progress_.live()) {
    const double eta = eta_seconds(tc_, st_.step, res_.steps_this_run, run_seconds(), epoch_progress(), epoch_at_start_);
    spdlog::info("step {} epoch {:.2f}: loss {:.4f} ppl {:.2f} lr {:.3g} {:.0f} tok/s ETA {}", st_.step,
                 epoch_progress() + 1, loss, ppl, lr, tps, format_duration(eta));
  }
  log_loss_ = log_nll_ = 0;
  log_tokens_ = 0;
  log_seconds_ = 0;
}

double Trainer::epoch_progress() const {
  return static_cast<double>(batcher_->epoch()) +
         static_cast<double>(batcher_->position()) /
             static_cast<double>(std::max<int64_t>(1, batcher_->batches_per_epoch()));
}

double Trainer::run_seconds() const { return seconds_since(t0_); }

// ---- validation and checkpoints -----------------------------------------------------------

void Trainer::validate(bool final_check) {
  if (!writes()) {  // data-parallel: rank 0 validates, the others wait for its verdict
    last_validated_ = st_.step;
    sync_with_main("validation");
    return;
  }
  progress_.clear();
  const auto val_t0 = Clock::now();
  const DevResult r = validator_->run(model_);
  model_->train();
  last_validated_ = st_.step;
  const double m = Validator::metric_value(r, tc_.metric);
  const bool higher = Validator::higher_is_better(tc_.metric);
  const bool improved = !st_.has_best || (higher ? m > st_.best_metric : m < st_.best_metric);
  if (improved) {
    st_.has_best = true;
    st_.best_metric = m;
    st_.best_step = st_.step;
    st_.bad_validations = 0;
    try {
      save_weights(*model_, (out_ / "best.pt").string(), tokenizer_checksums_);
    } catch (const IoError& e) {
      stop_after_failed_write(e);
    }
  } else if (!final_check) {
    ++st_.bad_validations;
  }
  if (!final_check && sched_.on_validation(m, higher))
    spdlog::info("plateau: learning rate reduced to {:.3g}", sched_.lr(st_.step + 1));
  res_.last_dev_bleu = r.bleu;
  res_.last_dev_chrf = r.chrf;
  res_.last_dev_loss = r.loss;
  Json rec;
  rec["type"] = "dev";
  rec["step"] = st_.step;
  rec["epoch"] = batcher_->epoch() + 1;
  rec["wall"] = wall_before_ + run_seconds();
  rec["loss"] = r.loss;
  rec["ppl"] = r.ppl;
  rec["bleu"] = r.bleu;
  rec["chrf"] = r.chrf;
  append_metrics(rec);
  spdlog::info("dev step {}: loss {:.4f} ppl {:.2f} BLEU {:.2f} chrF {:.2f} ({:.1f}s){}", st_.step, r.loss, r.ppl,
               r.bleu, r.chrf, r.seconds, improved ? " — best so far, saved best.pt" : "");
  for (size_t i = 0; i < std::min<size_t>(2, r.hyps.size()); ++i)
    spdlog::info("  src: {}\n  ref: {}\n  hyp: {}", r.sources[i], r.refs[i], r.hyps[i]);
  horizon_->add_validation(seconds_since(val_t0));
  if (dp_) sync_with_main("validation");
}

void Trainer::sync_with_main(const std::string& what) {
  const StopRequest r = dp_->after_main_work(what, local_stop());
  if (agreed_stop_ == StopRequest::None) agreed_stop_ = r;  // every rank holds the same agreed_stop_
}

void Trainer::save() {
  st_.epoch = batcher_->epoch();
  st_.batch_pos = batcher_->position();
  st_.schedule = sched_.state();
  st_.loss_scale = amp_.fp16() ? amp_.scale() : 0.0;
  st_.loss_scale_good = amp_.good_ref();
  st_.wall_seconds = wall_before_ + run_seconds();
  capture_rng(st_, opt_.device);
  if (dp_) dp_->gather_rng(st_);
  if (writes()) {  // all three files or none: a failed write (disk full) leaves the previous save intact
    const std::string weights = weights_archive(*model_, tokenizer_checksums_);
    try {
      AtomicFiles files;
      files.stage((out_ / "last.pt").string(), weights);
      files.stage((out_ / "train_state.pt").string(), train_state_archive(st_, *optimizer_, crc32_of(weights)));
      files.stage((out_ / "train_state.json").string(), train_state_json(st_, tc_.metric));
      files.commit();
      saved_step_ = st_.step;
      if (tc_.keep_checkpoints > 0) {  // after last.pt: a failure here never costs last.pt
        write_file_atomic(step_checkpoint_path(cfg_.output, st_.step), weights);
        prune_step_checkpoints(cfg_.output, tc_.keep_checkpoints, st_.step);
      }
    } catch (const IoError& e) {
      stop_after_failed_write(e);
    }
  }
  if (dp_) sync_with_main("saving a checkpoint");
  saved_step_ = st_.step;
}

void Trainer::append_metrics(const Json& rec) {
  try {
    metrics_.write(rec);
  } catch (const IoError& e) {
    stop_after_failed_write(e);
  }
}

void Trainer::stop_after_failed_write(const IoError& e) {
  progress_.clear();
  const std::string saved =
      saved_step_ >= 0 ? fmt::format("last.pt and train_state.pt of step {} are intact; make room and continue with "
                                     "`nmt train --resume -m {}`",
                                     saved_step_, cfg_.output)
                       : std::string("no checkpoint had been saved yet");
  throw IoError(fmt::format("{}\ntraining stopped at step {}: {}", e.what(), st_.step, saved));
}

TrainResult Trainer::finish() {
  res_.steps = st_.step;
  res_.epoch = batcher_->epoch();
  res_.wall_seconds = run_seconds();
  res_.tokens_per_s = train_seconds_ > 0 ? static_cast<double>(run_tokens_) / train_seconds_ : 0.0;
  res_.has_best = st_.has_best;
  res_.best_metric = st_.best_metric;
  res_.best_step = st_.best_step;
  res_.best_path = st_.has_best ? (out_ / "best.pt").string() : "";
  res_.interrupted = res_.stop_reason == "interrupted";
  spdlog::info("stopped ({}) after {} steps this run ({} in total), {} — mean {:.0f} target tokens/s",
               res_.stop_reason, res_.steps_this_run, res_.steps, format_duration(res_.wall_seconds),
               res_.tokens_per_s);
  if (st_.has_best)
    spdlog::info("best dev {} {:.2f} at step {}, saved in {}", enum_name(tc_.metric), st_.best_metric, st_.best_step,
                 res_.best_path);
  spdlog::info("last weights and training state saved in {}", cfg_.output);
  return res_;
}

TrainResult train_model(const Config& cfg, const TrainOptions& opt) { return Trainer(cfg, opt).run(); }

}  // namespace nmt
