// RnnSeq2SeqImpl::trace: there is no attention to record — the decoder sees the source only
// through the encoder's final state. The trace says so, with that state's size and norm.
#include <spdlog/fmt/fmt.h>

#include "nmt/models/rnn.h"

namespace nmt {

ModelTrace RnnSeq2SeqImpl::trace(const torch::Tensor& src, const torch::Tensor& src_mask,
                                 const torch::Tensor& tgt_in) {
  TORCH_CHECK(src.dim() == 2 && src.size(0) == 1 && tgt_in.dim() == 2 && tgt_in.size(0) == 1,
              "rnn trace: one sentence, src [1, S] and tgt_in [1, T], got ", src.sizes(), " and ", tgt_in.sizes());
  const auto enc = encode(src, src_mask);
  const torch::Tensor s0 = enc.extra.at("h")[0];  // [layers, H]: the decoder's initial state
  ModelTrace out;
  out.logits = forward(src, src_mask, tgt_in)[0];  // [T, V]
  const int64_t S = src_mask.sum().item<int64_t>();
  const auto top = s0[-1];
  std::string first;
  for (int64_t i = 0; i < std::min<int64_t>(4, top.size(0)); ++i)
    first += fmt::format("{}{:.3f}", i ? ", " : "", top[i].item<double>());
  out.notes = {
      "This model has no attention: there is nothing to weigh.",
      fmt::format("The encoder reads the {} source tokens and keeps only its final state s_0: {} layer(s) × {} "
                  "numbers, ‖s_0‖ = {:.3f} (top layer: [{}, ...]).",
                  S, s0.size(0), s0.size(1), s0.norm().item<double>(), first),
      "That one vector is the decoder's only view of the source, the bottleneck: every word of a long "
      "sentence has to squeeze through it, so long sentences lose words that attention models keep.",
      "Each output word comes from the decoder state, which starts at s_0 and sees only the words already written."};
  return out;
}

}  // namespace nmt
