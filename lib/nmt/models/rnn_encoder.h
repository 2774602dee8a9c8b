// The recurrent encoder shared by the `rnn` and `bahdanau` models: embedding → dropout →
// (bi)GRU/LSTM over the real tokens only (packed, so padding never reaches a state).
//
// A bidirectional encoder reads the sentence left-to-right and right-to-left; each memory
// state h_j = [→h_j ; ←h_j] then summarises the whole sentence around word j.
#pragma once
#include <torch/torch.h>

#include <string>

#include "nmt/models/options.h"

namespace nmt {

struct RnnEncoderOptions {
  RnnEncoderOptions(int64_t vocab, int64_t emb_dim, int64_t hidden) : vocab_(vocab), emb_dim_(emb_dim), hidden_(hidden) {}
  TORCH_ARG(int64_t, vocab);
  TORCH_ARG(int64_t, emb_dim);
  TORCH_ARG(int64_t, hidden);  // per direction
  TORCH_ARG(int64_t, layers) = 1;
  TORCH_ARG(bool, bidirectional) = false;
  TORCH_ARG(RnnCell, cell) = RnnCell::GRU;
  TORCH_ARG(double, dropout) = 0.0;      // on embeddings, between layers and on the memory
};

struct RnnEncoding {
  torch::Tensor memory;  // [B, S, dirs × hidden], zero at padding
  torch::Tensor h;       // [layers × dirs, B, hidden] final states (at each sentence's last real token)
  torch::Tensor c;       // same, LSTM cell states (undefined for GRU)
};

class RnnEncoderImpl : public torch::nn::Cloneable<RnnEncoderImpl> {
 public:
  explicit RnnEncoderImpl(const RnnEncoderOptions& options);
  void reset() override;
  // src: [B, S] int64; src_mask: [B, S] bool (true at real tokens; each row has at least one).
  RnnEncoding forward(const torch::Tensor& src, const torch::Tensor& src_mask);
  int64_t directions() const { return options.bidirectional() ? 2 : 1; }

  RnnEncoderOptions options;
  // Run the packed sequence through the GRU / LSTM, storing final states in `out`.
  torch::nn::utils::rnn::PackedSequence run_gru(const torch::nn::utils::rnn::PackedSequence& x, RnnEncoding& out);
  torch::nn::utils::rnn::PackedSequence run_lstm(const torch::nn::utils::rnn::PackedSequence& x, RnnEncoding& out);

  torch::nn::Embedding embedding{nullptr};
  torch::nn::GRU gru{nullptr};    // one of gru / lstm is set
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(RnnEncoder);

// [layers × 2, B, H] (torch's direction-interleaved layout) → [layers, B, 2H] = [→h ; ←h] per layer.
torch::Tensor concat_directions(const torch::Tensor& h);

}  // namespace nmt
