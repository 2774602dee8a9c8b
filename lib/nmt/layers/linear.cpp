#include "nmt/layers/linear.h"

#include <cmath>

namespace nmt {

LinearImpl::LinearImpl(const LinearOptions& options_) : options(options_) { reset(); }

LinearImpl::LinearImpl(const LinearOptions& options_, torch::Tensor tied_weight, torch::Tensor tied_bias)
    : options(options_), tied_weight_(std::move(tied_weight)), tied_bias_(std::move(tied_bias)) {
  TORCH_CHECK(tied_weight_.defined() && tied_weight_.dim() == 2 &&
                  tied_weight_.size(0) == options.out_features() && tied_weight_.size(1) == options.in_features(),
              "Linear: a tied weight must be [", options.out_features(), ", ", options.in_features(), "]");
  TORCH_CHECK(!tied_bias_.defined() || (tied_bias_.dim() == 1 && tied_bias_.size(0) == options.out_features()),
              "Linear: a tied bias must be [", options.out_features(), "]");
  TORCH_CHECK(!options.bias(), "Linear: a tied layer owns no bias (pass the tied bias instead)");
  reset();
}

void LinearImpl::reset() {
  const int64_t in = options.in_features(), out = options.out_features();
  int64_t prev = 0;
  for (int64_t s : options.row_splits()) {
    TORCH_CHECK(s > prev && s < out, "Linear: row_splits must rise strictly inside (0, ", out, ")");
    prev = s;
  }
  packs_ = std::make_shared<Packs>();
  if (int8_) {
    weight_int8 = register_buffer("weight_int8", torch::zeros({out, in}, torch::kChar));
    weight_scale = register_buffer("weight_scale", torch::ones({out}));
  } else if (!is_tied()) {
    weight = register_parameter("weight", torch::empty({out, in}));
  }
  if (options.bias()) bias = register_parameter("bias", torch::empty({out}));
  if (!int8_) reset_parameters();
}

void LinearImpl::reset_parameters() {
  // torch::nn::Linear's initialisation, drawn in the same order (weight, then bias).
  torch::NoGradGuard no_grad;
  if (!is_tied()) torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(options.in_features()));
    torch::nn::init::uniform_(bias, -bound, bound);
  }
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) { return forward_rows(x, 0, options.out_features()); }

torch::Tensor LinearImpl::forward_rows(const torch::Tensor& x, int64_t begin, int64_t count) {
  const int64_t in = options.in_features(), out = options.out_features();
  TORCH_CHECK(x.dim() >= 1 && x.size(-1) == in, "Linear: input must be [..., ", in, "], got ", x.sizes());
  TORCH_CHECK(begin >= 0 && count > 0 && begin + count <= out, "Linear: rows [", begin, ", ", begin + count,
              ") out of range [0, ", out, ")");
  if (!int8_) {
    const torch::Tensor& w = float_weight();
    const torch::Tensor& b = float_bias();
    if (begin == 0 && count == out) return torch::nn::functional::linear(x, w, b);
    return torch::nn::functional::linear(x, w.narrow(0, begin, count),
                                         b.defined() ? b.narrow(0, begin, count) : torch::Tensor());
  }
  TORCH_CHECK(x.scalar_type() == torch::kFloat, "Linear: an int8 layer takes float32 input, got ", x.scalar_type());
  auto shape = x.sizes().vec();
  shape.back() = count;
  return gemm(begin, count).run(x.reshape({-1, in})).view(shape);
}

void LinearImpl::quantize_int8() {
  if (int8_) return;
  torch::NoGradGuard no_grad;
  const Int8Weight q = quantize_per_row(float_weight());
  if (!is_tied()) {
    parameters_.erase("weight");
    weight = torch::Tensor();
  }
  weight_int8 = register_buffer("weight_int8", q.w8.to(q.scale.device()));
  weight_scale = register_buffer("weight_scale", q.scale);
  int8_ = true;  // packed for its kernel on first use, or by pack()
}

std::vector<std::pair<int64_t, int64_t>> LinearImpl::slices() const {
  std::vector<std::pair<int64_t, int64_t>> out{{0, options.out_features()}};
  if (options.row_splits().empty()) return out;
  std::vector<int64_t> edges{0};
  for (int64_t s : options.row_splits()) edges.push_back(s);
  edges.push_back(options.out_features());
  for (size_t i = 0; i + 1 < edges.size(); ++i) out.emplace_back(edges[i], edges[i + 1] - edges[i]);
  return out;
}

void LinearImpl::repack_locked() const {
  const torch::Tensor& b = float_bias();
  packs_->gemms.clear();
  for (const auto& [begin, count] : slices())
    packs_->gemms[{begin, count}] =
        make_int8_gemm(weight_int8.narrow(0, begin, count), weight_scale.narrow(0, begin, count),
                       b.defined() ? b.narrow(0, begin, count) : torch::Tensor());
  packs_->source = {weight_int8.data_ptr(), weight_scale.data_ptr(), b.defined() ? b.data_ptr() : nullptr};
}

const Int8Gemm& LinearImpl::gemm(int64_t begin, int64_t count) const {
  std::lock_guard<std::mutex> lock(packs_->mu);
  const torch::Tensor& b = float_bias();
  const std::vector<const void*> source{weight_int8.data_ptr(), weight_scale.data_ptr(),
                                        b.defined() ? b.data_ptr() : nullptr};
  if (packs_->source != source) repack_locked();
  auto it = packs_->gemms.find({begin, count});
  TORCH_CHECK(it != packs_->gemms.end(), "Linear: rows [", begin, ", ", begin + count,
              ") of an int8 layer are not a slice declared in LinearOptions::row_splits");
  return *it->second;
}

void LinearImpl::pack() const {
  if (!int8_) return;
  std::lock_guard<std::mutex> lock(packs_->mu);
  repack_locked();
}

Int8Kernel LinearImpl::kernel() const {
  if (!int8_) return Int8Kernel::Float;
  std::lock_guard<std::mutex> lock(packs_->mu);
  auto it = packs_->gemms.find({0, options.out_features()});
  return it == packs_->gemms.end() ? Int8Kernel::Float : it->second->kernel();
}

bool LinearImpl::is_serializable() const { return int8_ || !is_tied(); }

void LinearImpl::pretty_print(std::ostream& stream) const {
  stream << "nmt::Linear(in_features=" << options.in_features() << ", out_features=" << options.out_features()
         << ", bias=" << (float_bias().defined() ? "true" : "false") << (is_tied() ? ", tied" : "")
         << (int8_ ? ", int8" : "") << ")";
}

}  // namespace nmt
