// Small models and batches shared by the model tests.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/data/vocab.h"
#include "nmt/models/factory.h"

namespace nmt::test {

struct NamedConfig {
  std::string name;
  ModelConfig cfg;
};

inline ModelConfig tiny_rnn(const std::string& cell, bool bidirectional, int64_t layers = 1) {
  RnnConfig r;
  r.cell = cell;
  r.emb_dim = 16;
  r.hidden = 24;
  r.layers = layers;
  r.bidirectional = bidirectional;
  r.dropout = 0.1;
  return {"rnn", r};
}

inline ModelConfig tiny_bahdanau(const std::string& cell, int64_t dec_layers = 1, bool tied = false) {
  BahdanauConfig b;
  b.cell = cell;
  b.emb_dim = 16;
  b.hidden = 24;
  b.enc_layers = 2;
  b.dec_layers = dec_layers;
  b.attn_dim = 20;
  b.dropout = 0.1;
  b.tied_embeddings = tied;
  return {"bahdanau", b};
}

inline ModelConfig tiny_transformer(const std::string& norm, bool tied = true) {
  TransformerConfig t;
  t.d_model = 32;
  t.heads = 4;
  t.ffn = 64;
  t.enc_layers = 2;
  t.dec_layers = 2;
  t.dropout = 0.1;
  t.attention_dropout = 0.1;
  t.norm = norm;
  t.tied_embeddings = tied;
  t.max_positions = 128;
  return {"transformer", t};
}

// Every architecture in its main variants.
inline std::vector<NamedConfig> all_tiny_models() {
  return {{"rnn-gru", tiny_rnn("gru", false)},
          {"rnn-lstm-bi-2layer", tiny_rnn("lstm", true, 2)},
          {"bahdanau-gru", tiny_bahdanau("gru")},
          {"bahdanau-lstm-2layer-tied", tiny_bahdanau("lstm", 2, true)},
          {"transformer-pre", tiny_transformer("pre")},
          {"transformer-post-untied", tiny_transformer("post", false)}};
}

struct ToyBatch {
  torch::Tensor src, src_mask, tgt_in;  // [B, S], [B, S], [B, T]
};

// Random ids in [kNumSpecial, vocab) with the given real lengths, padded with kPadId.
inline torch::Tensor random_padded(const std::vector<int64_t>& lengths, int64_t vocab) {
  int64_t width = 0;
  for (auto l : lengths) width = std::max(width, l);
  auto ids = torch::randint(kNumSpecial, vocab, {static_cast<int64_t>(lengths.size()), width}, torch::kLong);
  for (size_t i = 0; i < lengths.size(); ++i) ids[i].narrow(0, lengths[i], width - lengths[i]).fill_(kPadId);
  return ids;
}

inline ToyBatch toy_batch(int64_t vocab = 20) {
  ToyBatch b;
  b.src = random_padded({5, 3, 7}, vocab);
  b.src_mask = b.src.ne(kPadId);
  b.tgt_in = random_padded({6, 6, 6}, vocab);
  b.tgt_in.select(1, 0).fill_(kBosId);
  return b;
}

}  // namespace nmt::test
