#include "nmt/models/factory.h"

#include <spdlog/spdlog.h>

#include "nmt/models/bahdanau.h"
#include "nmt/models/rnn.h"
#include "nmt/models/transformer.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

Seq2Seq build(RnnOptions o) { return std::make_shared<RnnSeq2SeqImpl>(o); }
Seq2Seq build(BahdanauOptions o) { return std::make_shared<BahdanauSeq2SeqImpl>(o); }
Seq2Seq build(TransformerOptions o) { return std::make_shared<TransformerImpl>(o); }

// The options type each architecture takes.
template <typename Options>
bool holds_options_of(Arch arch) {
  switch (arch) {
    case Arch::RNN: return std::is_same_v<Options, RnnOptions>;
    case Arch::Bahdanau: return std::is_same_v<Options, BahdanauOptions>;
    case Arch::Transformer: return std::is_same_v<Options, TransformerOptions>;
  }
  return false;
}

}  // namespace

Seq2Seq make_model(const ModelConfig& cfg, int64_t src_vocab, int64_t tgt_vocab) {
  if (src_vocab <= 0 || tgt_vocab <= 0)
    throw Error("make_model: vocabulary sizes must be positive (source " + std::to_string(src_vocab) + ", target " +
                std::to_string(tgt_vocab) + ")");
  Seq2Seq model = std::visit(
      [&](auto options) {
        if (!holds_options_of<decltype(options)>(cfg.arch))
          throw ConfigError({std::string("model: options do not match arch '") + enum_name(cfg.arch) + "'"});
        options.src_vocab(src_vocab).tgt_vocab(tgt_vocab);
        return build(options);
      },
      cfg.options);
  spdlog::info("model: {} with {} parameters (source vocab {}, target vocab {})", model->arch(),
               model->parameter_count(), src_vocab, tgt_vocab);
  return model;
}

}  // namespace nmt
