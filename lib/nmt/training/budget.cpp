#include "nmt/training/budget.h"

#include <algorithm>
#include <cmath>

namespace nmt {
namespace {

// Steps of a run before its own step rate is trusted (the first ones allocate and warm caches).
constexpr int64_t kRateSteps = 3;

}  // namespace

StepHorizon::StepHorizon(const TrainConfig& t, int64_t steps_per_epoch)
    : max_steps_(t.max_steps),
      epoch_steps_(t.max_epochs > 0 ? t.max_epochs * std::max<int64_t>(1, steps_per_epoch) : 0),
      seconds_(t.max_minutes * 60.0) {}

void StepHorizon::add_validation(double seconds) {
  validation_seconds_ += std::max(0.0, seconds);
  ++validations_;
}

int64_t StepHorizon::estimate(int64_t step, int64_t steps_this_run, double run_seconds, double budget_seconds,
                              int64_t validations_left, int64_t fallback) const {
  int64_t h = 0;
  auto consider = [&h](int64_t v) {
    if (v > 0 && (h == 0 || v < h)) h = v;
  };
  consider(max_steps_);
  consider(epoch_steps_);
  if (seconds_ > 0) {
    if (steps_this_run >= kRateSteps) {
      const double training = std::max(1e-9, run_seconds - validation_seconds_);
      const double per_step = training / static_cast<double>(steps_this_run);
      const double left = seconds_ - budget_seconds -
                          static_cast<double>(std::max<int64_t>(0, validations_left)) * mean_validation_seconds();
      // At least the current step: the caller stops when the horizon is reached.
      consider(step + std::max<int64_t>(0, static_cast<int64_t>(std::floor(left / per_step))));
      if (h == 0) h = std::max<int64_t>(step, 1);
    } else {
      consider(fallback);
    }
  }
  return h;
}

int64_t validation_points_at(int64_t step, int64_t horizon, int64_t n) {
  if (n <= 0 || horizon <= 0 || step <= 0) return 0;
  // #{k in 1..n : ceil(k * h / n) <= step} = #{k : k * h / n <= step}
  return std::min<int64_t>(n, static_cast<int64_t>((static_cast<long double>(step) * n) / horizon));
}

}  // namespace nmt
