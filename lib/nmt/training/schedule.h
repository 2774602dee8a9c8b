// Learning-rate schedules: noam, constant (optional linear warmup), plateau and linear.
//
//   noam:     lr * min(step^-0.5, step * warmup^-1.5) * warmup^0.5   (peak = lr at step = warmup)
//   constant: lr * min(1, step / warmup)                              (warmup 0 = no warmup)
//   plateau:  constant, times plateau_factor after every plateau_patience validations without
//             improvement of the dev metric; reductions never go below min_lr.
//   linear:   budget-aware: lr * min(step / w, (H + 1 - step) / (H + 1 - w)), i.e. a linear warmup
//             over w = min(warmup, H / 4) steps, then a linear decay that reaches zero just after
//             step H, the last step of the budget (the horizon, see budget.h: exact for max_steps and
//             max_epochs, re-estimated from the step rate for max_minutes). While H is unknown
//             (a time budget before the first steps are measured) it is the constant schedule.
// `step` is the 1-based number of the optimizer step about to be taken.
#pragma once
#include <cstdint>
#include <string>

#include "nmt/config/config.h"

namespace nmt {

// What a schedule has to remember across a resume (only plateau changes it).
struct ScheduleState {
  double scale = 1.0;       // product of plateau reductions so far
  double best = 0.0;        // best dev metric seen (valid when has_best)
  bool has_best = false;
  int64_t bad = 0;          // validations since the last improvement
  int64_t horizon = 0;      // linear: the last step of the budget as last estimated (0 = unknown)
};

class LrSchedule {
 public:
  explicit LrSchedule(const TrainConfig& cfg);

  double lr(int64_t step) const;
  // Reports one validation. higher_is_better: BLEU/chrF true, loss false.
  // Returns true when the plateau schedule just reduced the learning rate.
  bool on_validation(double metric, bool higher_is_better);

  // linear: the budget's last step (estimates may change from step to step); <= 0 = unknown.
  void set_horizon(int64_t total_steps) { state_.horizon = total_steps > 0 ? total_steps : 0; }
  int64_t horizon() const { return state_.horizon; }

  const ScheduleState& state() const { return state_; }
  void set_state(const ScheduleState& s) { state_ = s; }
  ScheduleKind kind() const { return kind_; }

 private:
  double linear_lr(int64_t step) const;

  ScheduleKind kind_;
  double base_lr_, min_lr_, factor_;
  int64_t warmup_, patience_;
  ScheduleState state_;
};

}  // namespace nmt
