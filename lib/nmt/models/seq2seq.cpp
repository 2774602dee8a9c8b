// DecoderState bookkeeping shared by every model, and Seq2SeqImpl helpers.
#include "nmt/models/seq2seq.h"

#include <algorithm>

#include "nmt/util/error.h"

namespace nmt {
namespace {

void select_rows(std::map<std::string, torch::Tensor>& tensors, const torch::Tensor& idx) {
  for (auto& entry : tensors)
    if (entry.second.defined()) entry.second = entry.second.index_select(0, idx.to(entry.second.device()));
}

}  // namespace

void DecoderState::expand(int64_t beam) {
  TORCH_CHECK(beam >= 1, "DecoderState::expand: beam must be >= 1, got ", beam);
  if (beam == 1) return;
  const int64_t n = size();
  // row i → rows i*beam .. i*beam+beam-1
  auto idx = torch::arange(n, torch::kLong).unsqueeze(1).expand({n, beam}).reshape({-1});
  select_rows(per_hyp, idx);
  select_rows(per_src, idx);
}

void DecoderState::reorder(const torch::Tensor& idx) {
  TORCH_CHECK(idx.dim() == 1 && idx.scalar_type() == torch::kLong,
              "DecoderState::reorder: idx must be [N'] int64, got ", idx.sizes(), " ", idx.scalar_type());
  select_rows(per_hyp, idx);
}

void DecoderState::keep(const torch::Tensor& alive) {
  TORCH_CHECK(alive.dim() == 1, "DecoderState::keep: expects a 1-D mask or index, got ", alive.sizes());
  torch::Tensor idx = alive;
  if (alive.scalar_type() == torch::kBool) {
    TORCH_CHECK(alive.size(0) == size(), "DecoderState::keep: mask has ", alive.size(0), " rows, state has ",
                size());
    idx = alive.nonzero().squeeze(1);
  }
  TORCH_CHECK(idx.scalar_type() == torch::kLong, "DecoderState::keep: index must be int64 or bool");
  select_rows(per_hyp, idx);
  select_rows(per_src, idx);
}

int64_t DecoderState::size() const {
  for (const auto* tensors : {&per_hyp, &per_src})
    for (const auto& entry : *tensors)
      if (entry.second.defined() && entry.second.dim() > 0) return entry.second.size(0);
  return 0;
}

void Seq2SeqImpl::set_attention_view(int64_t layer, int64_t head) {
  const AttentionViews v = attention_views();
  if (layer < -1 || layer >= std::max<int64_t>(v.layers, 1))
    throw UsageError("attention layer " + std::to_string(layer) + " out of range: the model has " +
                     std::to_string(v.layers) + " attention layer(s) (-1 = last)");
  if (head < -1 || head >= std::max<int64_t>(v.heads, 1))
    throw UsageError("attention head " + std::to_string(head) + " out of range: the model has " +
                     std::to_string(v.heads) + " head(s) (-1 = mean of heads)");
}

int64_t Seq2SeqImpl::parameter_count() {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

}  // namespace nmt
