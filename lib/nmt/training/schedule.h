// Learning-rate schedules: noam, constant (optional linear warmup) and plateau.
//
//   noam:     lr * min(step^-0.5, step * warmup^-1.5) * warmup^0.5   (peak = lr at step = warmup)
//   constant: lr * min(1, step / warmup)                              (warmup 0 = no warmup)
//   plateau:  constant, times plateau_factor after every plateau_patience validations without
//             improvement of the dev metric; reductions never go below min_lr.
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
};

class LrSchedule {
 public:
  explicit LrSchedule(const TrainConfig& cfg);

  double lr(int64_t step) const;
  // Reports one validation. higher_is_better: BLEU/chrF true, loss false.
  // Returns true when the plateau schedule just reduced the learning rate.
  bool on_validation(double metric, bool higher_is_better);

  const ScheduleState& state() const { return state_; }
  void set_state(const ScheduleState& s) { state_ = s; }
  ScheduleKind kind() const { return kind_; }

 private:
  ScheduleKind kind_;
  double base_lr_, min_lr_, factor_;
  int64_t warmup_, patience_;
  ScheduleState state_;
};

}  // namespace nmt
