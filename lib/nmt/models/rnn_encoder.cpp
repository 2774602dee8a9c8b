#include "nmt/models/rnn_encoder.h"

#include "nmt/util/error.h"

namespace nmt {
namespace rnn_utils = torch::nn::utils::rnn;

RnnEncoderImpl::RnnEncoderImpl(const RnnEncoderOptions& options_) : options(options_) { reset(); }

void RnnEncoderImpl::reset() {
  embedding = register_module("embedding", torch::nn::Embedding(options.vocab(), options.emb_dim()));
  const double between_layers = options.layers() > 1 ? options.dropout() : 0.0;
  if (options.cell() == RnnCell::GRU) {
    gru = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(options.emb_dim(), options.hidden())
                                                    .num_layers(options.layers())
                                                    .bidirectional(options.bidirectional())
                                                    .dropout(between_layers)
                                                    .batch_first(true)));
  } else {
    lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(options.emb_dim(), options.hidden())
                                                       .num_layers(options.layers())
                                                       .bidirectional(options.bidirectional())
                                                       .dropout(between_layers)
                                                       .batch_first(true)));
  }
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
}

rnn_utils::PackedSequence RnnEncoderImpl::run_gru(const rnn_utils::PackedSequence& x, RnnEncoding& out) {
  auto [packed_out, h] = gru->forward_with_packed_input(x);
  out.h = h;
  return packed_out;
}

rnn_utils::PackedSequence RnnEncoderImpl::run_lstm(const rnn_utils::PackedSequence& x, RnnEncoding& out) {
  auto [packed_out, hc] = lstm->forward_with_packed_input(x);
  std::tie(out.h, out.c) = hc;
  return packed_out;
}

RnnEncoding RnnEncoderImpl::forward(const torch::Tensor& src, const torch::Tensor& src_mask) {
  TORCH_CHECK(src.dim() == 2 && src_mask.sizes() == src.sizes(), "RnnEncoder: src and src_mask must be [B, S], got ",
              src.sizes(), " and ", src_mask.sizes());
  const int64_t S = src.size(1);
  auto lengths = src_mask.sum(1).to(torch::kCPU, torch::kLong);  // [B]
  TORCH_CHECK(lengths.min().item<int64_t>() > 0, "RnnEncoder: every source needs at least one real token");

  auto x = dropout(embedding(src));  // [B, S, E]
  // Packing makes the RNN stop at each sentence's last real token: the final states are
  // those of the real sentence, and padding (however much) cannot change anything.
  auto packed = rnn_utils::pack_padded_sequence(x, lengths, /*batch_first=*/true, /*enforce_sorted=*/false);
  RnnEncoding out;
  auto packed_out = gru ? run_gru(packed, out) : run_lstm(packed, out);
  auto memory = std::get<0>(rnn_utils::pad_packed_sequence(packed_out, /*batch_first=*/true,
                                                           /*padding_value=*/0.0, /*total_length=*/S));
  out.memory = dropout(memory);  // [B, S, dirs × H]
  return out;
}

torch::Tensor concat_directions(const torch::Tensor& h) {
  TORCH_CHECK(h.dim() == 3 && h.size(0) % 2 == 0, "concat_directions: expects [layers × 2, B, H], got ", h.sizes());
  const int64_t L = h.size(0) / 2, B = h.size(1), H = h.size(2);
  return h.view({L, 2, B, H}).permute({0, 2, 1, 3}).reshape({L, B, 2 * H});
}

}  // namespace nmt
