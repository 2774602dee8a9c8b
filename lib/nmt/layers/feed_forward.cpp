#include "nmt/layers/feed_forward.h"

namespace nmt {

FeedForwardImpl::FeedForwardImpl(const FeedForwardOptions& options_) : options(options_) { reset(); }

void FeedForwardImpl::reset() {
  expand = register_module("expand", Linear(LinearOptions(options.d_model(), options.hidden())));
  contract = register_module("contract", Linear(LinearOptions(options.hidden(), options.d_model())));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  torch::nn::init::xavier_uniform_(expand->weight);
  torch::nn::init::xavier_uniform_(contract->weight);
  torch::nn::init::zeros_(expand->bias);
  torch::nn::init::zeros_(contract->bias);
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.size(-1) == options.d_model(), "FeedForward: last dim must be ", options.d_model(), ", got ",
              x.sizes());
  return contract(dropout(torch::relu(expand(x))));
}

}  // namespace nmt
