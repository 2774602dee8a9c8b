// The small model configs every test (and bench/bench_reverse) builds from: one place for
// their shapes. Widths are parameters so the same helper serves a 16-wide contract test and
// a 64-wide learning test.
#pragma once
#include <string>
#include <vector>

#include "nmt/config/config.h"

namespace nmt::test {

struct NamedConfig {
  std::string name;
  ModelConfig cfg;
};

inline ModelConfig tiny_rnn(RnnCell cell = RnnCell::GRU, bool bidirectional = false, int64_t layers = 1,
                            int64_t emb = 16, int64_t hidden = 24, double dropout = 0.1) {
  return {Arch::RNN, RnnOptions()
                         .cell(cell)
                         .emb_dim(emb)
                         .hidden(hidden)
                         .layers(layers)
                         .bidirectional(bidirectional)
                         .dropout(dropout)};
}

inline ModelConfig tiny_bahdanau(RnnCell cell = RnnCell::GRU, int64_t dec_layers = 1, bool tied = false,
                                 int64_t emb = 16, int64_t hidden = 24, int64_t attn = 20, int64_t enc_layers = 2,
                                 double dropout = 0.1) {
  return {Arch::Bahdanau, BahdanauOptions()
                              .cell(cell)
                              .emb_dim(emb)
                              .hidden(hidden)
                              .enc_layers(enc_layers)
                              .dec_layers(dec_layers)
                              .attn_dim(attn)
                              .dropout(dropout)
                              .tied_embeddings(tied)};
}

inline ModelConfig tiny_transformer(NormPosition norm = NormPosition::Pre, bool tied = true, int64_t d_model = 32,
                                    int64_t layers = 2, double dropout = 0.1, int64_t max_positions = 128) {
  return {Arch::Transformer, TransformerOptions()
                                 .d_model(d_model)
                                 .heads(4)
                                 .ffn(2 * d_model)
                                 .enc_layers(layers)
                                 .dec_layers(layers)
                                 .dropout(dropout)
                                 .attention_dropout(dropout)
                                 .norm(norm)
                                 .tied_embeddings(tied)
                                 .max_positions(max_positions)};
}

// Each architecture in its main variants.
inline std::vector<NamedConfig> all_tiny_models() {
  return {{"rnn-gru", tiny_rnn(RnnCell::GRU, false)},
          {"rnn-lstm-bi-2layer", tiny_rnn(RnnCell::LSTM, true, 2)},
          {"bahdanau-gru", tiny_bahdanau(RnnCell::GRU)},
          {"bahdanau-lstm-2layer-tied", tiny_bahdanau(RnnCell::LSTM, 2, true)},
          {"transformer-pre", tiny_transformer(NormPosition::Pre)},
          {"transformer-post-untied", tiny_transformer(NormPosition::Post, false)}};
}

// One model per architecture, sized to learn a small synthetic task quickly (no dropout).
inline ModelConfig learner(Arch arch, int64_t width) {
  switch (arch) {
    case Arch::RNN: return tiny_rnn(RnnCell::GRU, false, 1, width / 2, width, 0.0);
    case Arch::Bahdanau: return tiny_bahdanau(RnnCell::GRU, 1, false, width / 2, width, width / 2, 1, 0.0);
    case Arch::Transformer: return tiny_transformer(NormPosition::Pre, true, width, 2, 0.0, 64);
  }
  return {};
}

}  // namespace nmt::test
