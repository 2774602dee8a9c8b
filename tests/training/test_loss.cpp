// The objective: label-smoothed cross-entropy checked by hand, and gradient accumulation
// equal to one larger batch.
#include <catch2/catch.hpp>

#include <cmath>

#include "nmt/data/batcher.h"
#include "nmt/data/vocab.h"
#include "common/tiny_models.h"
#include "nmt/models/factory.h"
#include "nmt/training/amp.h"
#include "nmt/training/loss.h"
#include "nmt/training/train_step.h"


TEST_CASE("label-smoothed loss matches a hand computation and ignores padding", "[training][loss]") {
  // One real token with logits log(1..4) (probabilities .1 .2 .3 .4) and gold class 3,
  // then a padding position whose logits must not matter.
  auto logits = torch::tensor({0.0, std::log(2.0), std::log(3.0), std::log(4.0), 9.0, -3.0, 1.0, 5.0},
                              torch::kFloat32)
                    .reshape({1, 2, 4});
  auto target = torch::tensor({3, static_cast<int>(nmt::kPadId)}, torch::kLong).reshape({1, 2});
  const double nll = -std::log(0.4);
  const double uniform = -(std::log(0.1) + std::log(0.2) + std::log(0.3) + std::log(0.4)) / 4;

  auto plain = nmt::label_smoothed_loss(logits, target, 0.0, nmt::kPadId);
  CHECK(plain.tokens == 1);
  CHECK(plain.loss.item<double>() == Approx(nll).epsilon(1e-6));
  CHECK(plain.nll.item<double>() == Approx(nll).epsilon(1e-6));

  auto smooth = nmt::label_smoothed_loss(logits, target, 0.1, nmt::kPadId);
  CHECK(smooth.loss.item<double>() == Approx(0.9 * nll + 0.1 * uniform).epsilon(1e-6));
  CHECK(smooth.nll.item<double>() == Approx(nll).epsilon(1e-6));  // ppl uses the plain NLL

  // Matches torch's own cross_entropy with label smoothing (mean over real tokens).
  auto ref = torch::nn::functional::cross_entropy(
      logits.reshape({2, 4}), target.reshape({2}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(nmt::kPadId).label_smoothing(0.1));
  CHECK(smooth.loss.item<double>() == Approx(ref.item<double>()).epsilon(1e-6));

  CHECK_THROWS(nmt::label_smoothed_loss(logits.reshape({2, 4}), target, 0.1, nmt::kPadId));
}

TEST_CASE("gradient accumulation equals one larger batch", "[training][loss]") {
  torch::manual_seed(11);
  // Four pairs, sources all of length 4 (no source padding); targets of lengths 2 and 5, so
  // the two halves hold different token counts and the merged batch pads only target tails.
  nmt::EncodedCorpus corpus;
  corpus.add({4, 5, 6, 7}, {8, 9}, 0);
  corpus.add({5, 6, 7, 8}, {9, 10}, 1);
  corpus.add({6, 7, 8, 9}, {4, 5, 6, 7, 8}, 2);
  corpus.add({7, 8, 9, 10}, {11, 10, 9, 8, 7}, 3);
  auto half1 = nmt::make_batch(corpus, {0, 1});
  auto half2 = nmt::make_batch(corpus, {2, 3});
  auto all = nmt::make_batch(corpus, {0, 1, 2, 3});
  REQUIRE(half1.tgt_tokens + half2.tgt_tokens == all.tgt_tokens);
  REQUIRE(half1.tgt_tokens != half2.tgt_tokens);

  auto model = nmt::make_model(nmt::test::tiny_rnn(nmt::RnnCell::GRU, false, 1, /*emb=*/8, /*hidden=*/8, 0.0), 12, 12);
  model->train();
  nmt::Amp amp(nmt::AmpMode::Off, torch::kCPU);
  auto params = model->parameters();

  auto grads = [&]() {
    std::vector<torch::Tensor> g;
    for (auto& p : params) g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    return g;
  };
  model->zero_grad();
  auto acc = nmt::backward_group(*model, {half1, half2}, 0.1, amp, torch::kCPU);
  auto g_acc = grads();
  model->zero_grad();
  auto big = nmt::backward_group(*model, {all}, 0.1, amp, torch::kCPU);
  auto g_big = grads();

  CHECK(acc.tokens == big.tokens);
  CHECK(acc.loss_sum == Approx(big.loss_sum).epsilon(1e-6));
  double max_diff = 0;
  for (size_t i = 0; i < params.size(); ++i)
    max_diff = std::max(max_diff, (g_acc[i] - g_big[i]).abs().max().item<double>());
  CHECK(max_diff < 1e-6);
  // ... while averaging per-batch means instead would differ (the test can tell).
  model->zero_grad();
  nmt::backward_group(*model, {half1}, 0.1, amp, torch::kCPU);
  auto g1 = grads();
  model->zero_grad();
  nmt::backward_group(*model, {half2}, 0.1, amp, torch::kCPU);
  auto g2 = grads();
  double naive_diff = 0;
  for (size_t i = 0; i < params.size(); ++i)
    naive_diff = std::max(naive_diff, ((g1[i] + g2[i]) / 2 - g_big[i]).abs().max().item<double>());
  CHECK(naive_diff > 1e-5);
}
