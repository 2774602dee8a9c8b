// A self-contained model directory: everything `nmt translate` needs and nothing else.
//
//   config.yaml        the resolved config (every key)
//   spm.model | spm.src.model + spm.tgt.model | vocab*.txt   tokenizer(s)
//   best.pt            weights with the best dev metric
//   last.pt            latest weights (every save_every steps, at the end, on Ctrl-C)
//   train_state.pt     optimizer, scheduler, step, epoch, data position, RNG (exact resume)
//   train_state.json   the same counters, human readable (nmt info reads it)
//   metrics.jsonl      one JSON record per log interval and per validation
//   train.log          the training log
// `nmt quantize` writes an inference-only directory (training/quantize_dir.h): config.yaml, the
// tokenizer(s), best.pt with int8 linear layers, and quantization.json (the marker).
// Every file is written atomically (temp file + rename).
#pragma once
#include <torch/torch.h>

#include <string>

#include "nmt/config/config.h"
#include "nmt/data/tokenizer.h"
#include "nmt/models/seq2seq.h"

namespace nmt {

// The file that marks an int8 model directory (written by `nmt quantize`).
inline constexpr const char* kInt8MarkerFile = "quantization.json";
// True when `dir` holds an int8 model written by `nmt quantize`.
bool is_int8_model_dir(const std::string& dir);

struct LoadedModel {
  Config config;
  Seq2Seq model;       // in eval mode, on `device`
  Tokenizers tokenizers;
  std::string weights;  // the file the weights came from
};

// Loads config.yaml, tokenizers and weights ("best" → best.pt, falling back to last.pt;
// "last" → last.pt). An int8 directory is built as its float architecture, converted to int8
// (models/quantize.h) and then loaded. Throws IoError naming the directory and the missing file.
LoadedModel load_model_dir(const std::string& dir, const torch::Device& device,
                           const std::string& which = "best");

}  // namespace nmt
