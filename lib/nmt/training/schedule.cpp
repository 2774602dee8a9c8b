#include "nmt/training/schedule.h"

#include <algorithm>
#include <cmath>

#include "nmt/util/error.h"

namespace nmt {

LrSchedule::LrSchedule(const TrainConfig& cfg)
    : kind_(cfg.schedule),
      base_lr_(cfg.lr),
      min_lr_(cfg.min_lr),
      factor_(cfg.plateau_factor),
      warmup_(cfg.warmup),
      patience_(cfg.plateau_patience) {
  throw_if_invalid(check(cfg), "train");
}

double LrSchedule::lr(int64_t step) const {
  const double s = static_cast<double>(std::max<int64_t>(step, 1));
  if (kind_ == ScheduleKind::Noam) {
    const double w = static_cast<double>(warmup_);
    return base_lr_ * std::min(std::pow(s, -0.5), s * std::pow(w, -1.5)) * std::sqrt(w);
  }
  if (kind_ == ScheduleKind::Linear) return linear_lr(step);
  const double warm = warmup_ > 0 ? std::min(1.0, s / static_cast<double>(warmup_)) : 1.0;
  if (kind_ == ScheduleKind::Constant) return base_lr_ * warm;
  // plateau: the reductions are floored at min_lr; warmup still starts from zero.
  return warm * std::max(min_lr_, base_lr_ * state_.scale);
}

double LrSchedule::linear_lr(int64_t step) const {
  const double s = static_cast<double>(std::max<int64_t>(step, 1));
  const int64_t h = state_.horizon;
  // The warmup never takes more than a quarter of a known budget.
  const int64_t w = h > 0 && warmup_ > 0 ? std::min(warmup_, std::max<int64_t>(1, h / 4)) : warmup_;
  const double warm = w > 0 ? std::min(1.0, s / static_cast<double>(w)) : 1.0;
  if (h <= 0) return base_lr_ * warm;
  const double decay = (static_cast<double>(h) + 1.0 - s) / (static_cast<double>(h) + 1.0 - static_cast<double>(w));
  return base_lr_ * std::min(warm, std::clamp(decay, 0.0, 1.0));
}

bool LrSchedule::on_validation(double metric, bool higher_is_better) {
  const bool improved = !state_.has_best || (higher_is_better ? metric > state_.best : metric < state_.best);
  if (improved) {
    state_.best = metric;
    state_.has_best = true;
    state_.bad = 0;
    return false;
  }
  ++state_.bad;
  if (kind_ != ScheduleKind::Plateau || state_.bad < patience_) return false;
  state_.bad = 0;
  if (base_lr_ * state_.scale <= min_lr_) return false;  // already at the floor
  state_.scale *= factor_;
  return true;
}

}  // namespace nmt
