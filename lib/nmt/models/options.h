// The options of the three architectures, LibTorch style (TORCH_ARG), and their checks.
//
// The config holds these structs directly (config.h: ModelConfig), so a YAML key and the
// module option are one field; the factory fills in the vocabulary sizes from the tokenizers.
// check() is the one place their ranges and cross-field rules live: the config reader reports
// its problems with file:line, and every model constructor throws them (throw_if_invalid).
// Torch-free apart from torch/arg.h, so the config can include it cheaply.
#pragma once
#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <utility>

#include "nmt/util/enum_names.h"
#include "nmt/util/option_check.h"

namespace nmt {

enum class Arch { RNN, Bahdanau, Transformer };
enum class RnnCell { GRU, LSTM };
enum class NormPosition { Pre, Post };  // Transformer: LN before each sub-layer, or after the residual

template <>
struct EnumNames<Arch> {
  static constexpr std::pair<Arch, const char*> values[] = {
      {Arch::RNN, "rnn"}, {Arch::Bahdanau, "bahdanau"}, {Arch::Transformer, "transformer"}};
};
template <>
struct EnumNames<RnnCell> {
  static constexpr std::pair<RnnCell, const char*> values[] = {{RnnCell::GRU, "gru"}, {RnnCell::LSTM, "lstm"}};
};
template <>
struct EnumNames<NormPosition> {
  static constexpr std::pair<NormPosition, const char*> values[] = {{NormPosition::Pre, "pre"},
                                                                    {NormPosition::Post, "post"}};
};

// arch: rnn — the encoder–decoder without attention.
struct RnnOptions {
  TORCH_ARG(int64_t, src_vocab) = 0;  // set by the factory from the tokenizers
  TORCH_ARG(int64_t, tgt_vocab) = 0;
  TORCH_ARG(RnnCell, cell) = RnnCell::GRU;
  TORCH_ARG(int64_t, emb_dim) = 256;
  TORCH_ARG(int64_t, hidden) = 512;
  TORCH_ARG(int64_t, layers) = 1;            // encoder and decoder layers
  TORCH_ARG(bool, bidirectional) = false;    // encoder; final states are bridged to the decoder size
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(bool, tied_embeddings) = false;  // decoder input embedding == output projection
};

// arch: bahdanau — the same RNN with additive attention.
struct BahdanauOptions {
  TORCH_ARG(int64_t, src_vocab) = 0;
  TORCH_ARG(int64_t, tgt_vocab) = 0;
  TORCH_ARG(RnnCell, cell) = RnnCell::GRU;
  TORCH_ARG(int64_t, emb_dim) = 256;
  TORCH_ARG(int64_t, hidden) = 512;  // decoder state; the bidirectional encoder uses hidden/2 per direction
  TORCH_ARG(int64_t, enc_layers) = 1;
  TORCH_ARG(int64_t, dec_layers) = 1;
  TORCH_ARG(int64_t, attn_dim) = 512;  // additive attention inner size
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(bool, tied_embeddings) = false;
};

// arch: transformer.
struct TransformerOptions {
  TORCH_ARG(int64_t, src_vocab) = 0;
  TORCH_ARG(int64_t, tgt_vocab) = 0;
  TORCH_ARG(int64_t, d_model) = 256;
  TORCH_ARG(int64_t, heads) = 4;
  TORCH_ARG(int64_t, ffn) = 1024;
  TORCH_ARG(int64_t, enc_layers) = 3;
  TORCH_ARG(int64_t, dec_layers) = 3;
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(double, attention_dropout) = 0.0;
  TORCH_ARG(NormPosition, norm) = NormPosition::Pre;
  TORCH_ARG(bool, tied_embeddings) = true;  // source, target and output embeddings share weights
  TORCH_ARG(int64_t, max_positions) = 1024;
};

namespace detail {
// Vocabulary sizes are checked once the factory has set them (0 = not yet known).
inline void check_vocab(OptionProblems& p, int64_t src_vocab, int64_t tgt_vocab) {
  if (src_vocab < 0 || tgt_vocab < 0)
    p.push_back({"vocab", "sizes must be positive (source " + std::to_string(src_vocab) + ", target " +
                              std::to_string(tgt_vocab) + ")"});
}
}  // namespace detail

inline OptionProblems check(const RnnOptions& o) {
  OptionProblems p;
  detail::check_vocab(p, o.src_vocab(), o.tgt_vocab());
  check_range(p, "emb_dim", o.emb_dim(), Range::positive());
  check_range(p, "hidden", o.hidden(), Range::positive());
  check_range(p, "layers", o.layers(), Range::positive());
  check_range(p, "dropout", o.dropout(), Range::probability());
  if (o.tied_embeddings() && o.emb_dim() != o.hidden())
    p.push_back({"tied_embeddings", "needs emb_dim == hidden (" + std::to_string(o.emb_dim()) + " vs " +
                                        std::to_string(o.hidden()) + ")"});
  return p;
}

inline OptionProblems check(const BahdanauOptions& o) {
  OptionProblems p;
  detail::check_vocab(p, o.src_vocab(), o.tgt_vocab());
  check_range(p, "emb_dim", o.emb_dim(), Range::positive());
  check_range(p, "hidden", o.hidden(), Range::positive());
  check_range(p, "enc_layers", o.enc_layers(), Range::positive());
  check_range(p, "dec_layers", o.dec_layers(), Range::positive());
  check_range(p, "attn_dim", o.attn_dim(), Range::positive());
  check_range(p, "dropout", o.dropout(), Range::probability());
  if (o.hidden() % 2 != 0)
    p.push_back({"hidden", "must be even (the bidirectional encoder uses hidden/2 per direction), got " +
                               std::to_string(o.hidden())});
  return p;
}

inline OptionProblems check(const TransformerOptions& o) {
  OptionProblems p;
  detail::check_vocab(p, o.src_vocab(), o.tgt_vocab());
  for (const auto& [key, v] : {std::pair<const char*, int64_t>{"d_model", o.d_model()},
                               {"heads", o.heads()},
                               {"ffn", o.ffn()},
                               {"enc_layers", o.enc_layers()},
                               {"dec_layers", o.dec_layers()},
                               {"max_positions", o.max_positions()}})
    check_range(p, key, static_cast<double>(v), Range::positive());
  check_range(p, "dropout", o.dropout(), Range::probability());
  check_range(p, "attention_dropout", o.attention_dropout(), Range::probability());
  if (o.heads() > 0 && o.d_model() > 0 && o.d_model() % o.heads() != 0)
    p.push_back({"heads", "must divide model.d_model (" + std::to_string(o.d_model()) + " % " +
                              std::to_string(o.heads()) + " = " + std::to_string(o.d_model() % o.heads()) + ")"});
  if (o.d_model() % 2 != 0) p.push_back({"d_model", "must be even for sinusoidal positions"});
  if (o.tied_embeddings() && o.src_vocab() > 0 && o.src_vocab() != o.tgt_vocab())
    p.push_back({"tied_embeddings", "needs one joint vocabulary, but the source has " +
                                        std::to_string(o.src_vocab()) + " tokens and the target " +
                                        std::to_string(o.tgt_vocab())});
  return p;
}

}  // namespace nmt
