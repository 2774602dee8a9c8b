// nmt::Linear (float ≡ torch::nn::Linear; int8 with per-row scales), the int8 kernels against
// their float reference, and int8 models of every architecture: close to float, batch-invariant,
// saved and loaded by key.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <sstream>

#include "model_fixtures.h"
#include "nmt/layers/int8_gemm.h"
#include "nmt/layers/linear.h"
#include "nmt/models/quantize.h"

using namespace nmt;
using namespace nmt::test;

namespace {

double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

std::string save_to_string(torch::nn::Module& m) {
  torch::serialize::OutputArchive ar;
  m.save(ar);
  std::ostringstream os;
  ar.save_to(os);
  return os.str();
}

void load_from_string(torch::nn::Module& m, const std::string& bytes) {
  std::istringstream is(bytes);
  torch::serialize::InputArchive ar;
  ar.load_from(is);
  m.load(ar);
}

Seq2Seq build(const ModelConfig& cfg, uint64_t seed = 7) {
  torch::manual_seed(seed);
  auto model = make_model(cfg, 20, 20);
  model->eval();
  return model;
}

}  // namespace

TEST_CASE("nmt::Linear in float mode is torch::nn::Linear: same init, names and output", "[models][int8]") {
  for (bool bias : {true, false}) {
    torch::manual_seed(3);
    torch::nn::Linear ref(torch::nn::LinearOptions(24, 40).bias(bias));
    torch::manual_seed(3);
    Linear mine(LinearOptions(24, 40).bias(bias));
    CHECK(torch::equal(ref->weight, mine->weight));
    if (bias) CHECK(torch::equal(ref->bias, mine->bias));
    CHECK(ref->named_parameters().keys() == mine->named_parameters().keys());
    const torch::Tensor x = torch::randn({3, 5, 24});
    CHECK(torch::equal(ref(x), mine(x)));
    // A row slice is another sgemm (other blocking), so equal to float rounding, not bit for bit:
    // allclose's default atol of 1e-8 failed on an AMD EPYC for outputs near 0.
    const double diff = (mine->forward_rows(x, 10, 30) - ref(x).narrow(-1, 10, 30)).abs().max().item<double>();
    CHECK(diff < 1e-5);
  }
}

TEST_CASE("per-row int8 quantization: symmetric, error at most half a step", "[models][int8]") {
  torch::manual_seed(4);
  const torch::Tensor w = torch::randn({16, 64}) * torch::linspace(0.01, 3.0, 16).unsqueeze(1);
  const Int8Weight q = quantize_per_row(w);
  CHECK(q.w8.scalar_type() == torch::kChar);
  CHECK(q.w8.abs().amax(1).eq(127).all().item<bool>());  // every row uses the full range
  const torch::Tensor err = (dequantize_per_row(q.w8, q.scale) - w).abs().amax(1);
  CHECK((err <= q.scale * 0.5 + 1e-7).all().item<bool>());
  CHECK(quantize_per_row(torch::zeros({2, 8})).w8.eq(0).all().item<bool>());
}

TEST_CASE("every available int8 kernel agrees with the float reference and is batch-invariant", "[models][int8]") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(5);
  const torch::Tensor w = torch::randn({48, 96}) * 0.1, b = torch::randn({48});
  const Int8Weight q = quantize_per_row(w);
  const torch::Tensor x = torch::randn({9, 96}) * torch::linspace(0.1, 10, 9).unsqueeze(1);  // rows of many scales
  const torch::Tensor ref = make_int8_gemm(Int8Kernel::Float, q.w8, q.scale, b)->run(x);
  CHECK(max_diff(ref, torch::nn::functional::linear(x, w, b)) < 0.05 * ref.abs().max().item<double>());
  int tested = 0;
  for (Int8Kernel k : {Int8Kernel::Dynamic, Int8Kernel::WeightOnly}) {
    if (!int8_kernel_available(k)) continue;
    ++tested;
    INFO(int8_kernel_name(k));
    auto g = make_int8_gemm(k, q.w8, q.scale, b);
    REQUIRE(g->kernel() == k);
    const torch::Tensor y = g->run(x);
    // Quantized activations: within a couple of per cent of each row's own range.
    CHECK(((y - ref).abs().amax(1) <= 0.03 * ref.abs().amax(1) + 1e-3).all().item<bool>());
    // A row's result does not depend on the other rows (bit for bit).
    for (int64_t r = 0; r < x.size(0); ++r) CHECK(torch::equal(g->run(x.narrow(0, r, 1)), y.narrow(0, r, 1)));
  }
  WARN(tested << " int8 kernel(s) besides float here; default: " << int8_kernel_name(default_int8_kernel()));
}

TEST_CASE("nmt::Linear int8: row slices, tied weights, no float weight left", "[models][int8]") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(6);
  Linear lin(LinearOptions(32, 96).row_splits({32}));
  const torch::Tensor x = torch::randn({4, 3, 32});
  const torch::Tensor full_float = lin(x);
  lin->quantize_int8();
  CHECK(lin->is_int8());
  CHECK_FALSE(lin->named_parameters().contains("weight"));
  CHECK(lin->named_buffers().contains("weight_int8"));
  const torch::Tensor full = lin(x);
  CHECK(max_diff(full, full_float) < 0.05 * full_float.abs().max().item<double>());
  CHECK(max_diff(lin->forward_rows(x, 0, 32), full.narrow(-1, 0, 32)) < 1e-5);
  CHECK(max_diff(lin->forward_rows(x, 32, 64), full.narrow(-1, 32, 64)) < 1e-5);
  CHECK_THROWS(lin->forward_rows(x, 16, 16));  // not a declared slice

  torch::nn::Embedding emb(20, 32);
  Linear tied(LinearOptions(32, 20).bias(false), emb->weight);
  CHECK(tied->named_parameters().is_empty());
  CHECK_FALSE(tied->is_serializable());  // nothing of its own to save
  CHECK(torch::equal(tied(x), torch::matmul(x, emb->weight.t())));
  tied->quantize_int8();
  CHECK(tied->is_serializable());
  CHECK(emb->weight.scalar_type() == torch::kFloat);  // the embedding stays float for lookups
}

TEST_CASE("int8 models of every architecture: close to float, batch-invariant, saved and loaded", "[models][int8]") {
  torch::NoGradGuard no_grad;
  for (const auto& m : all_tiny_models()) {
    SECTION(m.name) {
      auto model = build(m.cfg);
      torch::manual_seed(11);
      auto b = toy_batch();
      const torch::Tensor ref = torch::log_softmax(model->forward(b.src, b.src_mask, b.tgt_in), -1);
      const std::string float_bytes = save_to_string(*model);
      const Int8Summary s = quantize_int8(*model);
      CHECK(s.layers > 0);
      CHECK(s.float_layers == 0);
      const torch::Tensor q = torch::log_softmax(model->forward(b.src, b.src_mask, b.tgt_in), -1);
      CHECK(max_diff(q, ref) < 0.1);
      CHECK(q.argmax(-1).eq(ref.argmax(-1)).to(torch::kFloat).mean().item<double>() > 0.8);
      // Each sentence alone gives its rows of the batch. Quantization is per row, so only the
      // float rounding of other layers can differ, amplified at most by one quantization step.
      for (int64_t i = 0; i < 3; ++i) {
        const int64_t len = b.src_mask[i].sum().item<int64_t>();
        auto src = b.src[i].narrow(0, 0, len).unsqueeze(0);
        auto alone = torch::log_softmax(
            model->forward(src, torch::ones_like(src, torch::kBool), b.tgt_in[i].unsqueeze(0)), -1);
        CHECK(max_diff(alone[0], q[i]) < 2e-2);
        CHECK(torch::equal(alone[0].argmax(-1), q[i].argmax(-1)));
      }
      // Saved and loaded into a fresh model converted to int8: the same outputs.
      const std::string bytes = save_to_string(*model);
      CHECK(bytes.size() < float_bytes.size());
      auto fresh = build(m.cfg, 99);
      quantize_int8(*fresh);
      load_from_string(*fresh, bytes);
      CHECK(max_diff(torch::log_softmax(fresh->forward(b.src, b.src_mask, b.tgt_in), -1), q) < 1e-6);
      for (const auto& p : fresh->named_parameters()) CHECK(p.key().find(".weight_int8") == std::string::npos);
    }
  }
}
