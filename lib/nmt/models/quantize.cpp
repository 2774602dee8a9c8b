#include "nmt/models/quantize.h"

#include "nmt/layers/linear.h"

namespace nmt {
namespace {

template <typename F>
void for_each_linear(torch::nn::Module& model, F&& f) {
  for (const auto& m : model.modules(/*include_self=*/true))
    if (auto* lin = dynamic_cast<LinearImpl*>(m.get())) f(*lin);
}

}  // namespace

Int8Summary quantize_int8(torch::nn::Module& model) {
  for_each_linear(model, [](LinearImpl& lin) { lin.quantize_int8(); });
  return int8_summary(model);
}

void pack_int8(torch::nn::Module& model) {
  for_each_linear(model, [](LinearImpl& lin) { lin.pack(); });
}

Int8Summary int8_summary(torch::nn::Module& model) {
  Int8Summary s;
  bool first = true;
  for_each_linear(model, [&](LinearImpl& lin) {
    if (!lin.is_int8()) {
      ++s.float_layers;
      return;
    }
    ++s.layers;
    s.int8_weights += lin.weight_int8.numel();
    if (first) s.kernel = lin.kernel();
    first = false;
  });
  for (const auto& p : model.parameters()) s.float_values += p.numel();
  for (const auto& b : model.buffers())
    if (b.is_floating_point()) s.float_values += b.numel();
  return s;
}

}  // namespace nmt
