#include "nmt/layers/embeddings.h"

#include <cmath>

#include "nmt/util/error.h"

namespace nmt {

torch::Tensor sinusoidal_positions(int64_t max_positions, int64_t d_model) {
  TORCH_CHECK(d_model % 2 == 0, "sinusoidal positions need an even d_model, got ", d_model);
  auto pos = torch::arange(max_positions, torch::kFloat).unsqueeze(1);  // [P, 1]
  auto two_i = torch::arange(0, d_model, 2, torch::kFloat);             // [d/2]
  auto angle = pos * torch::exp(two_i * (-std::log(10000.0) / d_model));  // pos / 10000^(2i/d)
  auto table = torch::empty({max_positions, d_model});
  table.slice(1, 0, d_model, 2) = torch::sin(angle);
  table.slice(1, 1, d_model, 2) = torch::cos(angle);
  return table;
}

TransformerEmbeddingImpl::TransformerEmbeddingImpl(const TransformerEmbeddingOptions& options_,
                                                   torch::nn::Embedding shared)
    : options(options_), tokens(std::move(shared)), owns_tokens(!tokens) {
  reset();
}

void TransformerEmbeddingImpl::reset() {
  if (owns_tokens) {
    tokens = torch::nn::Embedding(options.vocab(), options.d_model());
    torch::nn::init::normal_(tokens->weight, 0.0, std::pow(static_cast<double>(options.d_model()), -0.5));
  }
  // A shared (tied) embedding is registered only by the model that owns it, so that its
  // weight appears once in parameters() and in checkpoints.
  if (owns_tokens) tokens = register_module("tokens", tokens);
  positions = register_buffer("positions", sinusoidal_positions(options.max_positions(), options.d_model()));
}

torch::Tensor TransformerEmbeddingImpl::forward(const torch::Tensor& ids, int64_t offset) {
  TORCH_CHECK(ids.dim() == 2, "TransformerEmbedding: ids must be [B, T], got ", ids.sizes());
  const int64_t T = ids.size(1);
  if (offset + T > options.max_positions())
    throw Error("sequence of " + std::to_string(offset + T) + " tokens exceeds the positional table of model.max_positions (" +
                std::to_string(options.max_positions()) + ")");
  const double scale = std::sqrt(static_cast<double>(options.d_model()));
  return tokens(ids) * scale + positions.narrow(0, offset, T);
}

}  // namespace nmt
