#include "nmt/training/loss.h"

namespace nmt {

LossSums label_smoothed_loss(const torch::Tensor& logits, const torch::Tensor& target, double eps,
                             int64_t pad_id) {
  TORCH_CHECK(logits.dim() == 3, "loss: logits must be [B, T, V], got ", logits.sizes());
  TORCH_CHECK(target.dim() == 2 && target.size(0) == logits.size(0) && target.size(1) == logits.size(1),
              "loss: target must be [B, T] matching logits ", logits.sizes(), ", got ", target.sizes());
  TORCH_CHECK(eps >= 0 && eps < 1, "loss: label smoothing must be in [0, 1), got ", eps);
  const int64_t V = logits.size(2);
  auto lp = torch::log_softmax(logits.to(torch::kFloat32).reshape({-1, V}), -1);  // [N, V]
  auto tgt = target.reshape({-1});                                                  // [N]
  auto real = tgt.ne(pad_id);                                                       // [N]
  auto mask = real.to(torch::kFloat32);
  auto nll = -lp.gather(1, tgt.clamp_min(0).unsqueeze(1)).squeeze(1);               // [N]
  auto loss_tok = nll;
  if (eps > 0) {
    auto smooth = -lp.mean(1);  // [N]
    loss_tok = (1.0 - eps) * nll + eps * smooth;
  }
  LossSums out;
  out.loss = (loss_tok * mask).sum();
  out.nll = (nll.detach() * mask).sum();
  out.tokens = real.sum().item<int64_t>();
  return out;
}

}  // namespace nmt
