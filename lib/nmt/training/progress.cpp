#include "nmt/training/progress.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <spdlog/fmt/fmt.h>

namespace nmt {

std::string format_duration(double s) {
  if (s < 0) return "?";
  auto total = static_cast<int64_t>(s + 0.5);
  if (total >= 3600) return fmt::format("{}h{:02d}m", total / 3600, (total % 3600) / 60);
  if (total >= 60) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  return fmt::format("{}s", total);
}

double eta_seconds(const TrainConfig& t, int64_t step, int64_t steps_this_run, double run_seconds,
                   double epoch_progress, int64_t epochs_done_at_start) {
  double eta = -1;
  auto consider = [&eta](double v) {
    if (v >= 0 && (eta < 0 || v < eta)) eta = v;
  };
  if (steps_this_run <= 0 || run_seconds <= 0) {
    if (t.max_minutes > 0) consider(t.max_minutes * 60 - run_seconds);
    return eta;
  }
  const double per_step = run_seconds / static_cast<double>(steps_this_run);
  if (t.max_steps > 0) consider(std::max<double>(0, static_cast<double>(t.max_steps - step)) * per_step);
  if (t.max_minutes > 0) consider(std::max(0.0, t.max_minutes * 60 - run_seconds));
  if (t.max_epochs > 0) {
    double done_this_run = epoch_progress - static_cast<double>(epochs_done_at_start);
    if (done_this_run > 0) {
      double per_epoch = run_seconds / done_this_run;
      consider(std::max(0.0, static_cast<double>(t.max_epochs) - epoch_progress) * per_epoch);
    }
  }
  return eta;
}

void ProgressLine::update(const std::string& text, bool force) {
  if (!live_) return;
  double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  if (!force && last_ >= 0 && now - last_ < 0.25) return;
  last_ = now;
  std::string line = text;
  if (line.size() < width_) line += std::string(width_ - line.size(), ' ');
  width_ = text.size();
  std::fprintf(stderr, "\r%s", line.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void ProgressLine::clear() {
  if (!live_ || !shown_) return;
  std::fprintf(stderr, "\r%s\r", std::string(width_, ' ').c_str());
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace nmt
