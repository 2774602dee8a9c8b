// Builds the model a config names: the one place that maps a ModelConfig to a module.
#pragma once
#include "nmt/config/config.h"
#include "nmt/models/seq2seq.h"

namespace nmt {

// src_vocab/tgt_vocab: tokenizer sizes (equal for a joint vocabulary). Throws ConfigError for
// invalid options (e.g. tied embeddings over two vocabularies).
Seq2Seq make_model(const ModelConfig& cfg, int64_t src_vocab, int64_t tgt_vocab);

}  // namespace nmt
