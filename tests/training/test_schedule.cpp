// LR schedules: values at known steps, plateau reductions and the min_lr floor; the budget-aware
// linear schedule, the budget's horizon and the budget-aware validation points.
#include <catch2/catch.hpp>

#include <cmath>

#include "nmt/config/config.h"
#include "nmt/training/budget.h"
#include "nmt/training/schedule.h"
#include "nmt/util/error.h"


TEST_CASE("noam peaks at lr when step == warmup", "[training][schedule]") {
  nmt::TrainConfig t;
  t.schedule = nmt::ScheduleKind::Noam;
  t.lr = 1e-3;
  t.warmup = 100;
  nmt::LrSchedule s(t);
  CHECK(s.lr(100) == Approx(1e-3));
  CHECK(s.lr(50) == Approx(0.5e-3));               // linear warmup: step/warmup * lr
  CHECK(s.lr(1) == Approx(1e-5));
  CHECK(s.lr(400) == Approx(0.5e-3));              // then inverse square root: sqrt(100/400)
  CHECK(s.lr(10000) == Approx(1e-4));
  CHECK(s.lr(0) == Approx(s.lr(1)));               // step 0 treated as 1, never inf
}

TEST_CASE("constant schedule with and without linear warmup", "[training][schedule]") {
  nmt::TrainConfig t;
  t.schedule = nmt::ScheduleKind::Constant;
  t.lr = 2e-3;
  t.warmup = 0;
  nmt::LrSchedule flat(t);
  CHECK(flat.lr(1) == Approx(2e-3));
  CHECK(flat.lr(99999) == Approx(2e-3));
  t.warmup = 10;
  nmt::LrSchedule warm(t);
  CHECK(warm.lr(1) == Approx(2e-4));
  CHECK(warm.lr(5) == Approx(1e-3));
  CHECK(warm.lr(10) == Approx(2e-3));
  CHECK(warm.lr(11) == Approx(2e-3));
}

TEST_CASE("plateau multiplies by the factor after patience bad validations, floored at min_lr",
          "[training][schedule]") {
  nmt::TrainConfig t;
  t.schedule = nmt::ScheduleKind::Plateau;
  t.lr = 1e-3;
  t.warmup = 0;
  t.plateau_factor = 0.5;
  t.plateau_patience = 2;
  t.min_lr = 3e-4;
  nmt::LrSchedule s(t);
  CHECK_FALSE(s.on_validation(10.0, true));  // first: improvement
  CHECK_FALSE(s.on_validation(12.0, true));  // improvement
  CHECK_FALSE(s.on_validation(11.0, true));  // bad 1
  CHECK(s.lr(100) == Approx(1e-3));
  CHECK(s.on_validation(12.0, true));        // bad 2 (not better than 12) → reduce
  CHECK(s.lr(100) == Approx(5e-4));
  CHECK_FALSE(s.on_validation(1.0, true));
  CHECK(s.on_validation(1.0, true));         // reduce again: 2.5e-4 → floored at 3e-4
  CHECK(s.lr(100) == Approx(3e-4));
  CHECK_FALSE(s.on_validation(1.0, true));
  CHECK_FALSE(s.on_validation(1.0, true));   // already at the floor: no further reduction
  CHECK(s.lr(100) == Approx(3e-4));

  // Lower is better for loss; the state round-trips.
  nmt::LrSchedule l(t);
  l.on_validation(5.0, false);
  l.on_validation(4.0, false);
  CHECK(l.state().bad == 0);
  l.on_validation(4.5, false);
  CHECK(l.state().bad == 1);
  nmt::LrSchedule copy(t);
  copy.set_state(l.state());
  CHECK(copy.state().best == 4.0);
  CHECK(copy.state().bad == 1);
}

TEST_CASE("linear warms up, then decays to zero just after the budget's last step", "[training][schedule]") {
  nmt::TrainConfig t;
  t.schedule = nmt::ScheduleKind::Linear;
  t.lr = 1e-3;
  t.warmup = 10;
  t.max_steps = 100;
  nmt::LrSchedule s(t);
  // Before a horizon is known it is the constant schedule with warmup.
  CHECK(s.lr(5) == Approx(0.5e-3));
  CHECK(s.lr(50) == Approx(1e-3));
  s.set_horizon(100);
  CHECK(s.lr(1) == Approx(1e-4));
  CHECK(s.lr(10) == Approx(1e-3));                 // peak at the end of the warmup
  CHECK(s.lr(55) == Approx(1e-3 * 46.0 / 91.0));   // (H + 1 - step) / (H + 1 - warmup)
  CHECK(s.lr(100) == Approx(1e-3 / 91.0));         // the last step still learns a little
  CHECK(s.lr(101) == 0.0);
  CHECK(s.lr(500) == 0.0);                         // never negative past an underestimated horizon
  for (int64_t k = 11; k <= 100; ++k) CHECK(s.lr(k) < s.lr(k - 1));

  // The warmup never takes more than a quarter of a short budget.
  s.set_horizon(20);
  CHECK(s.lr(5) == Approx(1e-3));
  CHECK(s.lr(4) == Approx(0.8e-3));
  // A re-estimated horizon is part of the state that a resumed run restores.
  nmt::LrSchedule resumed(t);
  resumed.set_state(s.state());
  CHECK(resumed.horizon() == 20);
  CHECK(resumed.lr(12) == Approx(s.lr(12)));
  s.set_horizon(-3);
  CHECK(s.horizon() == 0);
}

TEST_CASE("a linear schedule needs a budget", "[training][schedule]") {
  const std::string base = "name: x\ndata:\n  train: {src: a, tgt: b}\n  dev: {src: a, tgt: b}\nmodel:\n  arch: rnn\n"
                           "train:\n  schedule: linear\n  max_epochs: 0\noutput: x\n";
  CHECK_THROWS_AS(nmt::parse_config_text(base, "x.yaml"), nmt::ConfigError);
  CHECK(nmt::parse_config_text(base, "x.yaml", {"train.max_steps=10"}).train.schedule == nmt::ScheduleKind::Linear);
  CHECK(nmt::parse_config_text(base, "x.yaml", {"train.max_minutes=0.5"}).train.max_minutes == Approx(0.5));
  CHECK_THROWS_AS(nmt::parse_config_text(base, "x.yaml", {"train.max_steps=10", "train.validations=-1"}),
                  nmt::ConfigError);
}

TEST_CASE("the horizon: exact for steps and epochs, estimated from the step rate for minutes", "[training][schedule]") {
  nmt::TrainConfig t;
  t.max_steps = 500;
  t.max_epochs = 0;
  CHECK(nmt::StepHorizon(t, 40).estimate(0, 0, 0, 0, 1) == 500);
  t.max_epochs = 3;
  CHECK(nmt::StepHorizon(t, 40).estimate(7, 7, 9, 9, 1) == 120);  // 3 epochs of 40 steps come first
  t.max_steps = 0;
  t.max_epochs = 0;
  CHECK_FALSE(nmt::StepHorizon(t, 40).bounded());
  CHECK(nmt::StepHorizon(t, 40).estimate(7, 7, 9, 9, 1) == 0);

  t.max_minutes = 1;  // 60 s
  nmt::StepHorizon h(t, 1000);
  CHECK(h.timed());
  CHECK(h.estimate(2, 2, 2, 2, 1) == 0);        // too few steps measured: unknown ...
  CHECK(h.estimate(2, 2, 2, 2, 1, 77) == 77);   // ... or the resumed run's last estimate
  CHECK(h.estimate(10, 10, 10, 10, 1) == 60);   // 1 s per step, 50 s left
  // A validation took 5 s: it is not a training step, and the 2 to come are reserved.
  h.add_validation(5);
  CHECK(h.mean_validation_seconds() == Approx(5));
  CHECK(h.estimate(10, 10, 15, 15, 2) == 10 + 35);
  // A resumed run: 30 s were spent before it, its own 5 steps took 10 s (2 s per step).
  nmt::StepHorizon r(t, 1000);
  CHECK(r.estimate(100, 5, 10, 40, 1) == 100 + 10);
  // Out of time: the horizon is the current step (the trainer stops there).
  CHECK(r.estimate(100, 5, 10, 75, 1) == 100);
  t.max_steps = 105;  // the smaller limit wins
  CHECK(nmt::StepHorizon(t, 1000).estimate(100, 5, 10, 40, 1) == 105);
}

TEST_CASE("budget-aware validation points are evenly spaced, the last at the end", "[training][schedule]") {
  // n = 4 over 100 steps: 25, 50, 75, 100.
  CHECK(nmt::validation_points_at(0, 100, 4) == 0);
  CHECK(nmt::validation_points_at(24, 100, 4) == 0);
  CHECK(nmt::validation_points_at(25, 100, 4) == 1);
  CHECK(nmt::validation_points_at(74, 100, 4) == 2);
  CHECK(nmt::validation_points_at(100, 100, 4) == 4);
  CHECK(nmt::validation_points_at(130, 100, 4) == 4);
  CHECK(nmt::validation_points_at(52, 103, 4) == 2);  // a re-estimated horizon moves the points
  CHECK(nmt::validation_points_at(5, 0, 4) == 0);     // no horizon, no points
  CHECK(nmt::validation_points_at(50, 100, 0) == 0);
  CHECK(nmt::validation_points_at(7, 7, 3) == 3);     // a budget shorter than the points
}
