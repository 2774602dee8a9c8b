// Data-parallel training as the Trainer sees it: what rank 0 does alone, what every rank does
// together, and the decisions they must agree on. Held by the Trainer when TrainOptions::dist
// is set; the Trainer's named steps call it at their seams (see trainer.cpp).
//
//  - setup: rank 0 prepares the tokenizers in the model directory, the other ranks receive
//    the files (no shared file system needed); rank 0's initial weights are broadcast, then
//    every rank reseeds its RNG with (seed, rank) so dropout differs across ranks.
//  - step: the ranks sum their target-token counts first (each loss is normalised by the
//    tokens of the whole global batch, so W ranks × B equal one process × W·B), the gradients
//    are all-reduced during backward (GradReducer), and one small all-reduce carries the loss
//    sums, rank 0's learning rate and the stop requests (max_minutes and early stopping as
//    rank 0 sees them, Ctrl-C on any rank), so every rank stops after the same step.
//  - validate / save: rank 0 alone; the others wait for it (Distributed::wait_for_main).
//    Checkpoints hold every rank's RNG state and the world size; resume needs the same size.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/data/tokenizer.h"
#include "nmt/dist/distributed.h"
#include "nmt/dist/grad_reducer.h"
#include "nmt/training/checkpoint.h"

namespace nmt {

// Stop requests exchanged every step (0 = none), in the Trainer's order of precedence.
enum class StopRequest : int { None = 0, MaxMinutes = 1, EarlyStopping = 2, Interrupted = 3 };
const char* stop_request_name(StopRequest r);  // "" for None, else the TrainResult::stop_reason

// Throws UsageError (naming `dir` and both sizes) unless `st` was written by a run of `world`
// processes. Old states without the field count as one process.
void check_world_size(const TrainState& st, int world, const std::string& dir);

struct GlobalStep {
  double loss_sum = 0, nll_sum = 0;  // over every rank's tokens
  double lr = 0;                     // rank 0's learning rate for this step
  StopRequest stop = StopRequest::None;
};

class DataParallel {
 public:
  DataParallel(Distributed& dist, const TrainConfig& tc);
  ~DataParallel();  // removes the scratch directory of received tokenizer files

  bool main() const { return dist_.is_main(); }
  int rank() const { return dist_.rank(); }
  int world() const { return dist_.world(); }
  Distributed& dist() { return dist_; }

  // Rank 0: prepare_tokenizers() into model_dir. Others: the same files, received.
  Tokenizers tokenizers(const std::string& model_dir, const TokenizerConfig& cfg, const FilePair& train);
  // After the model is built: rank 0's weights to all (unless resuming), per-rank RNG, and
  // the gradient reducer over `params`. Logs the effective batch.
  void attach(torch::nn::Module& model, const std::vector<torch::Tensor>& params, bool resuming, int64_t seed);

  // Resume: rank 0 reads last.pt and train_state.pt and sends their bytes to every rank.
  // Returns the two files, verified once on every rank (rank 0 as it reads them).
  std::pair<CheckpointFile, CheckpointFile> resume_files(const std::filesystem::path& out);
  // Picks this rank's RNG state out of a loaded state; throws UsageError if the state was
  // written by a run of another world size.
  void check_and_pick_rng(TrainState& st, const std::string& dir) const;
  // Before a save: every rank's RNG state into st.rank_rng_* (collective).
  void gather_rng(TrainState& st);

  // The step's collectives. Target tokens of all ranks (blocking, tiny):
  int64_t global_tokens(int64_t local_tokens);
  void before_last_backward() { reducer_->arm(); }
  // After backward: the gradients and the step statistics, summed.
  GlobalStep finish_step(double loss_sum, double nll_sum, double lr, StopRequest local_stop);

  // Rank 0 finished work of its own (validation, save); everyone learns its stop request.
  StopRequest after_main_work(const std::string& what, StopRequest main_stop);
  // The end of a run: a barrier, so rank 0 (and its store) outlives every rank's last wait.
  void finish();
  void set_progress(int64_t step) { dist_.set_progress(step); }

 private:
  Distributed& dist_;
  const TrainConfig& tc_;
  std::unique_ptr<GradReducer> reducer_;
  std::filesystem::path scratch_;
};

}  // namespace nmt
