// Small batches shared by the model tests (the models are in common/tiny_models.h).
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "common/tiny_models.h"
#include "nmt/config/config.h"
#include "nmt/data/vocab.h"
#include "nmt/models/factory.h"

namespace nmt::test {

struct ToyBatch {
  torch::Tensor src, src_mask, tgt_in;  // [B, S], [B, S], [B, T]
};

// Random ids in [kNumSpecial, vocab) with the given real lengths, padded with kPadId.
inline torch::Tensor random_padded(const std::vector<int64_t>& lengths, int64_t vocab) {
  int64_t width = 0;
  for (auto l : lengths) width = std::max(width, l);
  auto ids = torch::randint(kNumSpecial, vocab, {static_cast<int64_t>(lengths.size()), width}, torch::kLong);
  for (size_t i = 0; i < lengths.size(); ++i) ids[i].narrow(0, lengths[i], width - lengths[i]).fill_(kPadId);
  return ids;
}

inline ToyBatch toy_batch(int64_t vocab = 20) {
  ToyBatch b;
  b.src = random_padded({5, 3, 7}, vocab);
  b.src_mask = b.src.ne(kPadId);
  b.tgt_in = random_padded({6, 6, 6}, vocab);
  b.tgt_in.select(1, 0).fill_(kBosId);
  return b;
}

}  // namespace nmt::test
