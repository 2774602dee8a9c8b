// Builds the model named by model.arch.
#pragma once
#include "nmt/config/config.h"
#include "nmt/models/seq2seq.h"

namespace nmt {

// src_vocab/tgt_vocab: tokenizer sizes (equal for a joint vocabulary).
Seq2Seq make_model(const ModelConfig& cfg, int64_t src_vocab, int64_t tgt_vocab);

}  // namespace nmt
