#include "nmt/training/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include <spdlog/fmt/fmt.h>

#include "nmt/data/batcher.h"
#include "nmt/data/corpus.h"
#include "nmt/data/tokenizer.h"
#include "nmt/data/vocab.h"
#include "nmt/models/factory.h"
#include "nmt/training/amp.h"
#include "nmt/training/checkpoint.h"
#include "nmt/training/json_lines.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/progress.h"
#include "nmt/training/schedule.h"
#include "nmt/training/train_step.h"
#include "nmt/training/validator.h"
#include "nmt/util/device.h"
#include "nmt/util/error.h"
#include "nmt/util/logging.h"

namespace nmt {
namespace fs = std::filesystem;

bool has_training_state(const std::string& dir) {
  return fs::exists(fs::path(dir) / "train_state.pt") || fs::exists(fs::path(dir) / "last.pt");
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const TrainConfig& t, std::vector<torch::Tensor> params) {
  if (t.optimizer == "adamw") {
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

// Removes the log file sink however train_model() ends.
struct LogFileGuard {
  ~LogFileGuard() { remove_log_file(); }
};

}  // namespace

TrainResult train_model(const Config& cfg, const TrainOptions& opt) {
  const TrainConfig& tc = cfg.train;
  const fs::path out(cfg.output);
  if (cfg.output.empty()) throw ConfigError({"output: the model directory must not be empty"});
  if (opt.resume) {
    if (!fs::exists(out / "train_state.pt") || !fs::exists(out / "last.pt"))
      throw Error("cannot resume: " + cfg.output + " has no last.pt + train_state.pt (start without --resume)");
  } else if (has_training_state(cfg.output)) {
    throw Error("model directory " + cfg.output +
                " already holds training state; use --resume to continue it, or choose another "
                "output (e.g. --set output=...) — nothing was overwritten");
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw IoError("cannot create model directory " + cfg.output + ": " + ec.message());
  write_file_atomic((out / "config.yaml").string(), to_yaml(cfg));
  add_log_file((out / "train.log").string());
  LogFileGuard log_guard;
  spdlog::info("{} {} into {} on {}", opt.resume ? "resuming" : "training", cfg.name, cfg.output, opt.device.str());

  // ---- data ----
  torch::manual_seed(static_cast<uint64_t>(tc.seed));
  Tokenizers tok = prepare_tokenizers(cfg.output, cfg.tokenizer, cfg.data.train);
  ParallelText train_text = read_parallel(cfg.data.train);
  CorpusStats cs;
  EncodedCorpus train = encode_corpus(train_text, tok, true, cfg.data.max_len, cfg.data.max_len_ratio, &cs);
  train_text = ParallelText{};  // the raw text is no longer needed
  spdlog::info("train: {} pairs read, {} kept ({} empty, {} too long, {} bad ratio), {} target tokens", cs.read,
               cs.kept, cs.skipped_empty, cs.skipped_long, cs.skipped_ratio, train.total_tgt_tokens());
  if (train.size() == 0) throw DataError("no training pairs left after filtering " + cfg.data.train.src);
  ParallelText dev_text = read_parallel(cfg.data.dev);
  EncodedCorpus dev = encode_corpus(dev_text, tok, false, cfg.data.max_len, cfg.data.max_len_ratio);
  spdlog::info("dev: {} pairs; vocab src {} tgt {}", dev.size(), tok.src->vocab_size(), tok.tgt->vocab_size());

  // ---- model, optimizer, schedule ----
  Seq2Seq model = make_model(cfg.model, tok.src->vocab_size(), tok.tgt->vocab_size());
  model->to(opt.device);
  model->train();
  TrainResult res;
  res.parameters = model->parameter_count();
  res.metric = tc.metric;
  spdlog::info("model {}: {} parameters", model->arch(), res.parameters);
  auto params = model->parameters();
  auto optimizer = make_optimizer(tc, params);
  LrSchedule sched(tc);
  Amp amp(tc.amp, opt.device);
  Batcher batcher(train, tc.batch_tokens, static_cast<uint64_t>(tc.seed));
  Validator validator(cfg, dev_text, dev, tok, opt.device);

  TrainState st;
  MetricsLog metrics;
  if (opt.resume) {
    load_weights(*model, (out / "last.pt").string(), opt.device);
    st = load_train_state((out / "train_state.pt").string(), *optimizer, opt.device);
    restore_rng(st, opt.device);
    batcher.seek(st.epoch, st.batch_pos);
    sched.set_state(st.schedule);
    if (st.loss_scale > 0) {
      amp.scale_ref() = st.loss_scale;
      amp.good_ref() = st.loss_scale_good;
    }
    metrics.open((out / "metrics.jsonl").string(), st.step);
    spdlog::info("resumed at step {}, epoch {} (batch {})", st.step, st.epoch + 1, st.batch_pos);
  } else {
    metrics.open((out / "metrics.jsonl").string(), /*keep_up_to_step=*/0);
  }
  const bool higher = Validator::higher_is_better(tc.metric);
  const int64_t epoch_at_start = batcher.epoch();

  auto save_last = [&]() {
    st.epoch = batcher.epoch();
    st.batch_pos = batcher.position();
    st.schedule = sched.state();
    st.loss_scale = amp.fp16() ? amp.scale() : 0.0;
    st.loss_scale_good = amp.good_ref();
    capture_rng(st, opt.device);
    save_weights(*model, (out / "last.pt").string());
    save_train_state((out / "train_state.pt").string(), st, *optimizer);
    write_file_atomic((out / "train_state.json").string(), train_state_json(st, tc.metric));
  };

  const auto t0 = Clock::now();
  const double wall_before = st.wall_seconds;
  ProgressLine progress(opt.live_progress);
  int64_t nan_run = 0, last_validated = st.step;
  int64_t log_tokens = 0, run_tokens = 0;
  double log_loss = 0, log_nll = 0, train_seconds = 0;
  auto log_t0 = Clock::now();
  std::string stop_reason;
  bool data_exhausted = false;

  // Runs one validation; updates best.pt, early stopping and the plateau schedule.
  auto validate = [&](bool final_check) {
    progress.clear();
    DevResult r = validator.run(model);
    model->train();
    last_validated = st.step;
    double m = Validator::metric_value(r, tc.metric);
    bool improved = !st.has_best || (higher ? m > st.best_metric : m < st.best_metric);
    if (improved) {
      st.has_best = true;
      st.best_metric = m;
      st.best_step = st.step;
      st.bad_validations = 0;
      save_weights(*model, (out / "best.pt").string());
    } else if (!final_check) {
      ++st.bad_validations;
    }
    if (!final_check && sched.on_validation(m, higher))
      spdlog::info("plateau: learning rate reduced to {:.3g}", sched.lr(st.step + 1));
    res.last_dev_bleu = r.bleu;
    res.last_dev_chrf = r.chrf;
    res.last_dev_loss = r.loss;
    double wall = wall_before + since(t0);
    metrics.write(JsonObject()
                      .add("type", "dev").add("step", st.step).add("epoch", batcher.epoch() + 1)
                      .add("wall", wall).add("loss", r.loss).add("ppl", r.ppl).add("bleu", r.bleu)
                      .add("chrf", r.chrf));
    spdlog::info("dev step {}: loss {:.4f} ppl {:.2f} BLEU {:.2f} chrF {:.2f} ({:.1f}s){}", st.step, r.loss, r.ppl,
                 r.bleu, r.chrf, r.seconds, improved ? " — best so far, saved best.pt" : "");
    for (size_t i = 0; i < std::min<size_t>(2, r.hyps.size()); ++i)
      spdlog::info("  src: {}\n  ref: {}\n  hyp: {}", r.sources[i], r.refs[i], r.hyps[i]);
  };

  while (true) {
    // ---- stop conditions ----
    if (tc.max_steps > 0 && st.step >= tc.max_steps) stop_reason = "max_steps";
    else if (data_exhausted) stop_reason = "max_epochs";
    else if (tc.max_minutes > 0 && since(t0) >= tc.max_minutes * 60) stop_reason = "max_minutes";
    else if (tc.patience > 0 && st.bad_validations >= tc.patience) stop_reason = "early_stopping";
    else if (opt.stop && opt.stop->load()) stop_reason = "interrupted";
    if (!stop_reason.empty()) break;

    // ---- one optimizer step over accum_steps batches ----
    auto step_t0 = Clock::now();
    std::vector<Batch> group;
    for (int64_t k = 0; k < tc.accum_steps && !data_exhausted; ++k) {
      Batch b;
      while (!batcher.next(&b)) {
        if (tc.max_epochs > 0 && batcher.epoch() >= tc.max_epochs) {
          data_exhausted = true;
          break;
        }
      }
      if (!data_exhausted) group.push_back(std::move(b));
    }
    if (group.empty()) continue;
    optimizer->zero_grad();
    GroupLoss gl;
    try {
      gl = backward_group(*model, group, tc.label_smoothing, amp, opt.device);
    } catch (const c10::Error& e) {
      if (is_oom(e))
        throw Error(fmt::format("out of memory on {} with train.batch_tokens={} (accum_steps={}); try a smaller "
                                "batch, e.g. --set train.batch_tokens={} --set train.accum_steps={}",
                                opt.device.str(), tc.batch_tokens, tc.accum_steps, tc.batch_tokens / 2,
                                tc.accum_steps * 2));
      throw;
    }
    const int64_t tokens = gl.tokens;
    const double loss_sum = gl.loss_sum, nll_sum = gl.nll_sum;
    bool finite = std::isfinite(loss_sum) && amp.unscale_and_check(params);
    double gnorm = 0;
    if (finite && tc.clip_norm > 0) {
      gnorm = torch::nn::utils::clip_grad_norm_(params, tc.clip_norm);
      finite = std::isfinite(gnorm);
    }
    if (!finite) {
      optimizer->zero_grad();
      ++nan_run;
      spdlog::warn("step {}: non-finite loss or gradient, batch skipped ({} in a row)", st.step + 1, nan_run);
      if (nan_run >= tc.max_nan_batches)
        throw Error(fmt::format("aborting: {} non-finite losses in a row (train.max_nan_batches); try a lower "
                                "train.lr, a longer train.warmup or train.clip_norm > 0",
                                nan_run));
      continue;
    }
    nan_run = 0;
    const double lr = sched.lr(st.step + 1);
    for (auto& g : optimizer->param_groups()) g.options().set_lr(lr);
    optimizer->step();
    amp.good_step();
    ++st.step;
    ++res.steps_this_run;
    st.tgt_tokens += tokens;
    run_tokens += tokens;
    train_seconds += since(step_t0);
    const double step_loss = loss_sum / static_cast<double>(tokens);
    res.step_losses.push_back(step_loss);
    log_loss += loss_sum;
    log_nll += nll_sum;
    log_tokens += tokens;

    const double epoch_frac = static_cast<double>(batcher.epoch()) +
                              static_cast<double>(batcher.position()) /
                                  static_cast<double>(std::max<int64_t>(1, batcher.batches_per_epoch()));
    if (progress.live()) {
      double run_s = since(t0);
      progress.update(fmt::format("step {} | epoch {:.2f} | loss {:.3f} | ppl {:.1f} | lr {:.2e} | {:.0f} tok/s | ETA {}",
                                  st.step, epoch_frac + 1, step_loss, std::exp(std::min(nll_sum / tokens, 50.0)), lr,
                                  run_tokens / std::max(train_seconds, 1e-9),
                                  format_duration(eta_seconds(tc, st.step, res.steps_this_run, run_s, epoch_frac,
                                                              epoch_at_start))));
    }
    if (st.step % tc.log_every == 0) {
      double secs = since(log_t0);
      double l = log_loss / static_cast<double>(log_tokens);
      double ppl = std::exp(std::min(log_nll / static_cast<double>(log_tokens), 50.0));
      double tps = static_cast<double>(log_tokens) / std::max(secs, 1e-9);
      metrics.write(JsonObject()
                        .add("type", "train").add("step", st.step).add("epoch", batcher.epoch() + 1)
                        .add("wall", wall_before + since(t0)).add("loss", l).add("ppl", ppl).add("lr", lr)
                        .add("tokens_per_s", tps).add("peak_rss_mib", peak_rss_mib()));
      if (!progress.live())
        spdlog::info("step {} epoch {:.2f}: loss {:.4f} ppl {:.2f} lr {:.3g} {:.0f} tok/s ETA {}", st.step,
                     epoch_frac + 1, l, ppl, lr, tps,
                     format_duration(eta_seconds(tc, st.step, res.steps_this_run, since(t0), epoch_frac,
                                                 epoch_at_start)));
      log_loss = log_nll = 0;
      log_tokens = 0;
      log_t0 = Clock::now();
    }
    if (st.step % tc.validate_every == 0) validate(false);
    if (st.step % tc.save_every == 0) {
      st.wall_seconds = wall_before + since(t0);
      save_last();
    }
  }
  progress.clear();

  if (stop_reason != "interrupted" && st.step > last_validated && res.steps_this_run > 0) validate(true);
  st.wall_seconds = wall_before + since(t0);
  save_last();

  res.steps = st.step;
  res.epoch = batcher.epoch();
  res.wall_seconds = since(t0);
  res.tokens_per_s = train_seconds > 0 ? static_cast<double>(run_tokens) / train_seconds : 0.0;
  res.has_best = st.has_best;
  res.best_metric = st.best_metric;
  res.best_step = st.best_step;
  res.best_path = st.has_best ? (out / "best.pt").string() : "";
  res.stop_reason = stop_reason;
  res.interrupted = stop_reason == "interrupted";
  spdlog::info("stopped ({}) after {} steps this run ({} in total), {} — mean {:.0f} target tokens/s", stop_reason,
               res.steps_this_run, res.steps, format_duration(res.wall_seconds), res.tokens_per_s);
  if (st.has_best)
    spdlog::info("best dev {} {:.2f} at step {}, saved in {}", tc.metric, st.best_metric, st.best_step, res.best_path);
  spdlog::info("last weights and training state saved in {}", cfg.output);
  return res;
}

}  // namespace nmt
