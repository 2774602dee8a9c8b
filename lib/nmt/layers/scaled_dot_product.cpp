#include "nmt/layers/scaled_dot_product.h"

#include <cmath>
#include <limits>

namespace nmt {

torch::Tensor attention_scores(const torch::Tensor& q, const torch::Tensor& k) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  return torch::matmul(q * scale, k.transpose(-2, -1));  // [..., Tq, Tk]
}

AttentionOut scaled_dot_product_attention(const torch::Tensor& q, const torch::Tensor& k,
                                          const torch::Tensor& v, const torch::Tensor& mask,
                                          double dropout, bool training) {
  TORCH_CHECK(q.dim() >= 2 && q.dim() == k.dim() && k.dim() == v.dim(),
              "attention: q, k, v must have the same rank >= 2, got ", q.sizes(), ", ", k.sizes(), ", ",
              v.sizes());
  TORCH_CHECK(q.size(-1) == k.size(-1), "attention: q and k widths differ: ", q.sizes(), " vs ", k.sizes());
  TORCH_CHECK(k.size(-2) == v.size(-2), "attention: k and v lengths differ: ", k.sizes(), " vs ", v.sizes());

  const auto scores = attention_scores(q, k);  // [..., Tq, Tk]
  auto masked = scores;
  if (mask.defined()) {
    TORCH_CHECK(mask.scalar_type() == torch::kBool, "attention: mask must be bool");
    masked = scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
  }
  auto weights = torch::softmax(masked, -1);
  auto mixing = (dropout > 0 && training) ? torch::dropout(weights, dropout, true) : weights;
  AttentionOut out;
  out.output = torch::matmul(mixing, v);  // [..., Tq, d_v]
  out.weights = weights;
  out.scores = scores;
  return out;
}

torch::Tensor causal_mask(int64_t T, const torch::Device& device) {
  return torch::ones({T, T}, torch::TensorOptions().dtype(torch::kBool).device(device)).tril();
}

}  // namespace nmt
