// Checkpoint files of a model directory: weights (best.pt, last.pt) and the exact training
// state (train_state.pt + the readable train_state.json). All written atomically.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "nmt/config/config.h"
#include "nmt/training/schedule.h"

namespace nmt {

// Weights: a LibTorch archive of the module's parameters and buffers, nested by module tree.
void save_weights(torch::nn::Module& module, const std::string& path);
// Loads into an already-built module of the same architecture (on `device`). Throws IoError
// naming the file when it is missing, unreadable or does not match the module.
void load_weights(torch::nn::Module& module, const std::string& path, const torch::Device& device);
// The same from the bytes of such a file (data-parallel resume: rank 0 reads, every rank
// loads); `name` is the file the bytes came from, for errors.
void load_weights_from_bytes(torch::nn::Module& module, const std::string& bytes, const std::string& name,
                             const torch::Device& device);

// Everything besides the weights that --resume needs to continue the same run exactly.
struct TrainState {
  int64_t step = 0;             // optimizer steps taken
  int64_t epoch = 0;            // batcher epoch (0-based) of the next batch
  int64_t batch_pos = 0;        // batches already taken in that epoch
  double best_metric = 0;       // best dev metric (valid when has_best)
  bool has_best = false;
  int64_t best_step = 0;        // step at which best.pt was written
  int64_t bad_validations = 0;  // validations without improvement (early stopping)
  double wall_seconds = 0;      // training wall time of all runs so far
  int64_t tgt_tokens = 0;       // target tokens trained on so far
  double loss_scale = 0;        // fp16 dynamic loss scale (0 = unused)
  int64_t loss_scale_good = 0;  // good steps since the last scale change
  ScheduleState schedule;
  torch::Tensor rng_cpu;        // CPU generator state (uint8)
  torch::Tensor rng_cuda;       // CUDA generator state of the training device, if any
  int64_t world_size = 1;       // processes of the (data-parallel) run that wrote the state
  torch::Tensor rank_rng_cpu;   // [world_size, n] uint8: every rank's CPU generator (world_size > 1)
  torch::Tensor rank_rng_cuda;  // [world_size, n] uint8: every rank's CUDA generator, if any
};

// Captures / restores the global RNG state(s) into `s` (CPU, and `device` if it is CUDA).
void capture_rng(TrainState& s, const torch::Device& device);
void restore_rng(const TrainState& s, const torch::Device& device);

// train_state.pt: the counters, the RNG state and the optimizer's state (moments, step).
void save_train_state(const std::string& path, const TrainState& s, torch::optim::Optimizer& opt);
TrainState load_train_state(const std::string& path, torch::optim::Optimizer& opt,
                            const torch::Device& device);
TrainState load_train_state_from_bytes(const std::string& bytes, const std::string& name,
                                       torch::optim::Optimizer& opt, const torch::Device& device);

// The counters as a small JSON object (train_state.json, what `nmt info` shows).
std::string train_state_json(const TrainState& s, DevMetric metric);

}  // namespace nmt
