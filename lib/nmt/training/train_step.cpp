#include "nmt/training/train_step.h"

#include "nmt/data/vocab.h"
#include "nmt/training/loss.h"

namespace nmt {

GroupLoss backward_group(Seq2SeqImpl& model, const std::vector<Batch>& group, double label_smoothing,
                         const Amp& amp, const torch::Device& device, int64_t norm_tokens,
                         const std::function<void()>& before_last_backward) {
  GroupLoss g;
  for (const auto& b : group) g.tokens += b.tgt_tokens;
  TORCH_CHECK(g.tokens > 0, "backward_group: the batches hold no target tokens");
  const double factor = amp.scale() / static_cast<double>(norm_tokens > 0 ? norm_tokens : g.tokens);
  for (size_t i = 0; i < group.size(); ++i) {
    const Batch& hb = group[i];
    Batch b = hb.to(device);
    LossSums ls;
    {
      Amp::Region region(amp);
      auto logits = model.forward(b.src, b.src_mask, b.tgt_in);  // [B, T, V]
      ls = label_smoothed_loss(logits, b.tgt_out, label_smoothing, kPadId);
    }
    if (i + 1 == group.size() && before_last_backward) before_last_backward();
    (ls.loss * factor).backward();
    g.loss_sum += ls.loss.item<double>();
    g.nll_sum += ls.nll.item<double>();
  }
  return g;
}

}  // namespace nmt
