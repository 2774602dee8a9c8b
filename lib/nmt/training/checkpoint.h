// Checkpoint files of a model directory: weights (best.pt, last.pt) and the exact training
// state (train_state.pt + the readable train_state.json). All written atomically.
//
// Integrity: every checkpoint is a zip archive whose entries carry CRC-32s; they are checked
// before anything is loaded, so a truncated or damaged file is an IoError naming it, never a
// silently different model. Weights also record the CRC-32 of the tokenizer files they were
// trained with (checked before the tokenizer is loaded), and train_state.pt records the
// CRC-32 of the last.pt saved with it. Checkpoints from before these records load unchecked.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/training/schedule.h"

namespace nmt {

// Files that weights depend on, by file name in the weights' directory → CRC-32 (the
// tokenizer files: spm.model, vocab.txt, ...).
using FileChecksums = std::map<std::string, uint32_t>;

// CRC-32 of each named file in `dir`. Throws IoError naming a file that cannot be read.
FileChecksums file_checksums(const std::string& dir, const std::vector<std::string>& names);

// A checkpoint file read into memory and verified (complete archive, every CRC-32 matches).
struct CheckpointFile {
  std::string path;
  std::string bytes;
};
// Throws IoError naming the file when it is missing, truncated or damaged.
CheckpointFile read_checkpoint(const std::string& path);
// The same for bytes already read (data-parallel resume: rank 0 reads, every rank loads);
// `path` is the file they came from, for errors.
CheckpointFile checkpoint_from_bytes(std::string bytes, const std::string& path);

// Weights: a LibTorch archive of the module's parameters and buffers, nested by module tree,
// plus the checksums of the files in `depends`.
std::string weights_archive(torch::nn::Module& module, const FileChecksums& depends = {});
void save_weights(torch::nn::Module& module, const std::string& path, const FileChecksums& depends = {});
// Checks the files recorded in the weights against the files next to it. Throws IoError
// naming the file that is missing or differs ("damaged or from another run").
void check_weights_dependencies(const CheckpointFile& weights);
// Loads into an already-built module of the same architecture (on `device`). Throws IoError
// naming the file when it is missing, truncated, damaged or does not match the module, or
// when a file it depends on differs (check_weights_dependencies).
void load_weights(torch::nn::Module& module, const std::string& path, const torch::Device& device);
void load_weights(torch::nn::Module& module, const CheckpointFile& weights, const torch::Device& device);

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

// train_state.pt: the counters, the RNG state and the optimizer's state (moments, step), and
// the CRC-32 of the weights archive saved with it (0: none recorded).
std::string train_state_archive(const TrainState& s, torch::optim::Optimizer& opt, uint32_t weights_crc32 = 0);
void save_train_state(const std::string& path, const TrainState& s, torch::optim::Optimizer& opt);
// With `weights_path` (last.pt), also checks that the two files were saved together; a pair
// left mixed by a crash in the middle of a save is an IoError naming both.
TrainState load_train_state(const std::string& path, torch::optim::Optimizer& opt, const torch::Device& device,
                            const std::string& weights_path = "");
TrainState load_train_state(const CheckpointFile& state, torch::optim::Optimizer& opt, const torch::Device& device,
                            const CheckpointFile* weights);

// The counters as a small JSON object (train_state.json, what `nmt info` shows).
std::string train_state_json(const TrainState& s, DevMetric metric);

}  // namespace nmt
