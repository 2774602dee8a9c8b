// Step checkpoints: with train.keep_checkpoints: K, every save also writes the weights as
// step-<N>.pt next to last.pt (atomically, the same bytes) and removes all but the K newest,
// so that there is something to average (nmt average --last K | --best K).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nmt {

struct StepCheckpoint {
  int64_t step = 0;
  std::string path;
};

// "<dir>/step-<step>.pt"
std::string step_checkpoint_path(const std::string& dir, int64_t step);
// The step checkpoints in `dir`, oldest first (files named step-<N>.pt; others are ignored).
// A missing directory has none.
std::vector<StepCheckpoint> list_step_checkpoints(const std::string& dir);
// Removes step checkpoints newer than `max_step` (left by a run that a resumed run does not
// continue), then, with keep > 0, all but the `keep` newest. Throws IoError naming a file that
// cannot be removed.
void prune_step_checkpoints(const std::string& dir, int64_t keep, int64_t max_step);

}  // namespace nmt
