// Token embeddings and sinusoidal positions for the Transformer.
//
// Attention is blind to word order, so the position is added to each embedding:
//
//   PE(pos, 2i)   = sin(pos / 10000^(2i/d))
//   PE(pos, 2i+1) = cos(pos / 10000^(2i/d))
//
// Embeddings are multiplied by √d_model first so that (initialised with std d^-1/2) they
// have the same scale as the unit-amplitude positions.
#pragma once
#include <torch/torch.h>

namespace nmt {

struct TransformerEmbeddingOptions {
  TransformerEmbeddingOptions(int64_t vocab, int64_t d_model) : vocab_(vocab), d_model_(d_model) {}
  TORCH_ARG(int64_t, vocab);
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, max_positions) = 1024;
};

// [max_positions, d_model] table of sinusoids.
torch::Tensor sinusoidal_positions(int64_t max_positions, int64_t d_model);

class TransformerEmbeddingImpl : public torch::nn::Cloneable<TransformerEmbeddingImpl> {
 public:
  // `shared`: an existing token embedding to use (tied embeddings; its owner registers it),
  // or nullptr for a new one registered here as "tokens".
  explicit TransformerEmbeddingImpl(const TransformerEmbeddingOptions& options,
                                    torch::nn::Embedding shared = nullptr);
  void reset() override;

  // ids: [B, T] int64 at absolute positions offset .. offset+T-1 → [B, T, d_model]
  torch::Tensor forward(const torch::Tensor& ids, int64_t offset = 0);

  TransformerEmbeddingOptions options;
  torch::nn::Embedding tokens{nullptr};
  torch::Tensor positions;  // buffer [max_positions, d_model]
  bool owns_tokens = true;
};
TORCH_MODULE(TransformerEmbedding);

}  // namespace nmt
