// Training progress display: a live \r line on a terminal, or nothing (the trainer then logs
// plain lines every log_every steps). Also formats durations and the ETA.
#pragma once
#include <cstdint>
#include <string>

#include "nmt/config/config.h"

namespace nmt {

std::string format_duration(double seconds);  // "1h02m", "3m05s", "12s"

// Seconds until the first configured stop condition (max_steps / max_minutes / max_epochs)
// at the current rate; negative when no limit is configured.
double eta_seconds(const TrainConfig& t, int64_t step, int64_t steps_this_run, double run_seconds,
                   double epoch_progress /* epochs done, fractional */, int64_t epochs_done_at_start);

class ProgressLine {
 public:
  explicit ProgressLine(bool live) : live_(live) {}
  bool live() const { return live_; }
  // Rewrites the line (at most ~4 times a second).
  void update(const std::string& text, bool force = false);
  // Ends the line so that log output starts on a fresh line.
  void clear();

 private:
  bool live_;
  bool shown_ = false;
  double last_ = -1;
  size_t width_ = 0;
};

}  // namespace nmt
