#include "nmt/training/train_step.h"

#include "nmt/data/vocab.h"
#include "nmt/training/loss.h"

namespace nmt {

GroupLoss backward_group(Seq2SeqImpl& model, const std::vector<Batch>& group, double label_smoothing,
                         const Amp& amp, const torch::Device& device) {
  GroupLoss g;
  for (const auto& b : group) g.tokens += b.tgt_tokens;
  TORCH_CHECK(g.tokens > 0, "backward_group: the batches hold no target tokens");
  const double factor = amp.scale() / static_cast<double>(g.tokens);
  for (const auto& hb : group) {
    Batch b = hb.to(device);
    LossSums ls;
    {
      Amp::Region region(amp);
      auto logits = model.forward(b.src, b.src_mask, b.tgt_in);  // [B, T, V]
      ls = label_smoothed_loss(logits, b.tgt_out, label_smoothing, kPadId);
    }
    (ls.loss * factor).backward();
    g.loss_sum += ls.loss.item<double>();
    g.nll_sum += ls.nll.item<double>();
  }
  return g;
}

}  // namespace nmt
