// `nmt quantize`: a float model directory → a self-contained int8 model directory:
//
//   config.yaml, tokenizers   copied (config.output set to the new directory)
//   best.pt                   the weights, every nmt::Linear as int8 + per-row scales
//   quantization.json         the marker load_model_dir() and the trainer look for, and what
//                             was done: {"format": "int8", "source": ..., "layers": ...}
//
// load_model_dir() builds the float architecture from config.yaml, converts it to int8 and
// loads best.pt into it. An int8 directory is for inference only: training or resuming it is
// refused (it has no float weights or optimizer state to continue from).
#pragma once
#include <cstdint>
#include <string>

#include "nmt/models/quantize.h"

namespace nmt {

struct QuantizeResult {
  std::string source;      // the float weights file
  std::string out;         // the new directory
  Int8Summary summary;
  int64_t float_bytes = 0;  // size of the source weights file
  int64_t int8_bytes = 0;   // size of the int8 best.pt
};

// which: "best" or "last" weights of `dir`. `out` must not exist or be empty.
QuantizeResult quantize_model_dir(const std::string& dir, const std::string& out, const std::string& which = "best");

}  // namespace nmt
