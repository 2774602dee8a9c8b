// The training budget in steps: where a run will end (its horizon), for the budget-aware
// learning-rate schedule (schedule: linear) and the budget-aware validation cadence
// (train.validations).
//
//   max_steps, max_epochs: exact (max_epochs * optimizer steps per epoch).
//   max_minutes:           estimated from the step rate measured in this run and re-estimated
//                          at every step: steps so far + (time left - the validations still to
//                          come * their measured mean time) / seconds per step. The seconds per
//                          step include everything but validation (batching, logging, saving).
// With several limits the smallest horizon wins.
#pragma once
#include <cstdint>

#include "nmt/config/config.h"

namespace nmt {

class StepHorizon {
 public:
  // steps_per_epoch: optimizer steps in one pass over the training data (> 0).
  StepHorizon(const TrainConfig& t, int64_t steps_per_epoch);

  // True when any limit is set (a horizon can be known).
  bool bounded() const { return max_steps_ > 0 || epoch_steps_ > 0 || seconds_ > 0; }
  // True when the budget is wall-clock time (the horizon is an estimate).
  bool timed() const { return seconds_ > 0; }

  // Records one validation of this run and its seconds.
  void add_validation(double seconds);
  double mean_validation_seconds() const { return validations_ > 0 ? validation_seconds_ / validations_ : 0.0; }

  // The last step of the budget (total over all runs), or 0 when it cannot be known yet.
  //   step: steps taken in total; steps_this_run: of these, in this run;
  //   run_seconds: wall time of this run so far; budget_seconds: of the whole budget so far
  //   (this run plus earlier runs); validations_left: validations still to come, the final one included;
  //   fallback: the horizon to keep until this run has measured its step rate (e.g. a resumed run's).
  int64_t estimate(int64_t step, int64_t steps_this_run, double run_seconds, double budget_seconds,
                   int64_t validations_left, int64_t fallback = 0) const;

 private:
  int64_t max_steps_, epoch_steps_;
  double seconds_;
  double validation_seconds_ = 0;
  int64_t validations_ = 0;
};

// The budget-aware validation cadence (train.validations = n > 0, horizon h > 0): validation
// points at steps ceil(k * h / n) for k = 1 .. n, so the last one is the end of the budget.
// Returns how many points lie at or before `step` (0 without a horizon). The caller validates
// when this count goes past the points it has already validated; as the horizon is re-estimated
// the points move, but none is validated twice.
int64_t validation_points_at(int64_t step, int64_t horizon, int64_t n);

}  // namespace nmt
