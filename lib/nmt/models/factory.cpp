#include "nmt/models/factory.h"

#include <spdlog/spdlog.h>

#include "nmt/models/bahdanau.h"
#include "nmt/models/rnn.h"
#include "nmt/models/transformer.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

template <typename Options>
const Options& options_for(const ModelConfig& cfg) {
  if (!std::holds_alternative<Options>(cfg.options))
    throw ConfigError({"model: options do not match arch '" + cfg.arch + "'"});
  return std::get<Options>(cfg.options);
}

}  // namespace

Seq2Seq make_model(const ModelConfig& cfg, int64_t src_vocab, int64_t tgt_vocab) {
  if (src_vocab <= 0 || tgt_vocab <= 0)
    throw Error("make_model: vocabulary sizes must be positive (source " + std::to_string(src_vocab) + ", target " +
                std::to_string(tgt_vocab) + ")");
  Seq2Seq model;
  if (cfg.arch == "rnn")
    model = std::make_shared<RnnSeq2SeqImpl>(options_for<RnnConfig>(cfg), src_vocab, tgt_vocab);
  else if (cfg.arch == "bahdanau")
    model = std::make_shared<BahdanauSeq2SeqImpl>(options_for<BahdanauConfig>(cfg), src_vocab, tgt_vocab);
  else if (cfg.arch == "transformer")
    model = std::make_shared<TransformerImpl>(options_for<TransformerConfig>(cfg), src_vocab, tgt_vocab);
  else
    throw ConfigError({"model.arch: unknown architecture '" + cfg.arch + "' (rnn | bahdanau | transformer)"});
  spdlog::info("model: {} with {} parameters (source vocab {}, target vocab {})", model->arch(),
               model->parameter_count(), src_vocab, tgt_vocab);
  return model;
}

}  // namespace nmt
