// int8 inference models: every nmt::Linear of a model (attention projections, feed-forward
// layers, bridges, readouts and output layers, tied or not) converted to int8 weights with
// per-output-row scales (layers/linear.h, layers/int8_gemm.h). Embeddings, layer norms and
// recurrent cells stay float32.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "nmt/layers/int8_gemm.h"

namespace nmt {

struct Int8Summary {
  int64_t layers = 0;         // int8 Linear layers
  int64_t float_layers = 0;   // Linear layers still in float32
  int64_t int8_weights = 0;   // int8 weight elements
  int64_t float_values = 0;   // float32 parameter and buffer elements (biases, scales, embeddings, …)
  Int8Kernel kernel = Int8Kernel::Float;  // the kernel the int8 layers run on (the first one's)
};

// Converts every nmt::Linear in `model` to int8 (not yet packed for a kernel: pack_int8 or the
// first use does that). Returns the summary after conversion.
Int8Summary quantize_int8(torch::nn::Module& model);
// Packs every int8 layer for its kernel now (after loading weights), so the first translation
// does not pay for it.
void pack_int8(torch::nn::Module& model);
Int8Summary int8_summary(torch::nn::Module& model);

}  // namespace nmt
