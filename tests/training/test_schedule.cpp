// LR schedules: values at known steps, plateau reductions and the min_lr floor.
#include <catch2/catch.hpp>

#include <cmath>

#include "nmt/training/schedule.h"


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
