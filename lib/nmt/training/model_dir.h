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
//   step-<N>.pt        with train.keep_checkpoints: K, the weights of the K newest saves
//   average.json       only in a directory written by `nmt average`: what best.pt is the mean of
// `nmt quantize` writes an inference-only directory (training/quantize_dir.h): config.yaml, the
// tokenizer(s), best.pt with int8 linear layers, and quantization.json (the marker).
// Every file is written atomically (temp file + rename).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/data/tokenizer.h"
#include "nmt/models/seq2seq.h"

namespace nmt {

inline constexpr const char* kAverageRecordFile = "average.json";
// The file that marks an int8 model directory (written by `nmt quantize`).
inline constexpr const char* kInt8MarkerFile = "quantization.json";
// True when `dir` holds an int8 model written by `nmt quantize`.
bool is_int8_model_dir(const std::string& dir);

struct LoadedModel {
  Config config;          // of the (first) model directory: its decode: and data.max_len apply
  Seq2Seq model;          // in eval mode, on `device`; an EnsembleImpl for several directories
  Tokenizers tokenizers;  // of the (first) model directory
  std::string weights;    // the file(s) the weights came from, comma-separated
};

// Loads config.yaml, tokenizers and weights ("best" → best.pt, falling back to last.pt;
// "last" → last.pt). An int8 directory is built as its float architecture, converted to int8
// (models/quantize.h) and then loaded. Throws IoError naming the directory and the missing file.
LoadedModel load_model_dir(const std::string& dir, const torch::Device& device,
                           const std::string& which = "best");

// One directory: load_model_dir(). Several: an ensemble of them (models/ensemble.h) with the
// given weights (empty = equal). Members may differ in architecture but must share the source
// and the target vocabulary, piece by piece (one tokenization of the input feeds every member;
// their scores are added token by token); otherwise UsageError names the first difference
// ("ensemble members must share the target vocabulary: ...").
LoadedModel load_models(const std::vector<std::string>& dirs, const torch::Device& device,
                        const std::string& which = "best", const std::vector<double>& weights = {});

// Throws UsageError naming the first difference between two vocabularies: "<who> must share the
// <side> vocabulary: A has 8000 tokens, B has 7990" or "...: token 17 is '▁the' in A, '▁a' in B".
void check_same_vocabulary(const Tokenizer& a, const std::string& a_dir, const Tokenizer& b, const std::string& b_dir,
                           const std::string& side, const std::string& who);

}  // namespace nmt
