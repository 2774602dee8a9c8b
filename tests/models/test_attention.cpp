// The attention layers on their own: the worked example, masking, multi-head = h heads.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include <limits>

#include <cmath>

#include "nmt/layers/additive_attention.h"
#include "nmt/layers/embeddings.h"
#include "nmt/layers/feed_forward.h"
#include "nmt/layers/multi_head_attention.h"
#include "nmt/layers/scaled_dot_product.h"

using namespace nmt;

namespace {
double max_diff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }
}  // namespace

TEST_CASE("scaled dot-product attention: the worked example with d_k = 64", "[attention]") {
  // q·k1 = 112 and q·k2 = 96: q = 2·e0, k1 = 56·e0, k2 = 48·e0 in 64 dimensions.
  auto q = torch::zeros({1, 1, 64});
  q[0][0][0] = 2.0;
  auto k = torch::zeros({1, 2, 64});
  k[0][0][0] = 56.0;
  k[0][1][0] = 48.0;
  auto v = torch::eye(2).unsqueeze(0);  // value j = e_j, so the output is the weights
  auto out = scaled_dot_product_attention(q, k, v);

  // The library's scaled scores: q·k / √64 = 14 and 12
  auto scores = attention_scores(q, k);
  CHECK(scores[0][0][0].item<double>() == Approx(14.0));
  CHECK(scores[0][0][1].item<double>() == Approx(12.0));
  CHECK(std::round(out.weights[0][0][0].item<double>() * 100) / 100 == Approx(0.88));
  CHECK(std::round(out.weights[0][0][1].item<double>() * 100) / 100 == Approx(0.12));
  CHECK(out.weights[0][0][0].item<double>() == Approx(std::exp(14.0) / (std::exp(14.0) + std::exp(12.0))));
  CHECK(max_diff(out.output, out.weights) < 1e-7);
}

TEST_CASE("scaled dot-product attention: masked keys get exactly zero weight", "[attention]") {
  torch::manual_seed(1);
  auto q = torch::randn({2, 3, 8}), k = torch::randn({2, 5, 8}), v = torch::randn({2, 5, 4});
  auto mask = torch::tensor({1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, torch::kBool).view({2, 1, 5});
  auto out = scaled_dot_product_attention(q, k, v, mask);
  CHECK(out.weights[0].narrow(1, 3, 2).abs().max().item<float>() == 0.0f);
  CHECK(max_diff(out.weights.sum(-1), torch::ones({2, 3})) < 1e-6);
  // Dropping the masked keys altogether gives the same output for sentence 0.
  auto short_out = scaled_dot_product_attention(q[0], k[0].narrow(0, 0, 3), v[0].narrow(0, 0, 3));
  CHECK(max_diff(short_out.output, out.output[0]) < 1e-6);
}

TEST_CASE("causal mask: position i sees 0..i", "[attention]") {
  auto m = causal_mask(4);
  auto expected = torch::tensor({1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1}, torch::kBool).view({4, 4});
  CHECK(m.equal(expected));
}

TEST_CASE("additive attention: pads get exactly zero weight and the context is their weighted mean",
          "[attention]") {
  torch::manual_seed(2);
  AdditiveAttention att(AdditiveAttentionOptions(6, 10, 7));
  auto memory = torch::randn({2, 4, 10});
  auto mask = torch::tensor({1, 1, 0, 0, 1, 1, 1, 1}, torch::kBool).view({2, 4});
  auto query = torch::randn({2, 6});
  auto keys = att->project_keys(memory);
  CHECK(keys.sizes() == std::vector<int64_t>{2, 4, 7});
  auto out = att(query, keys, memory, mask);
  REQUIRE(out.weights.sizes() == std::vector<int64_t>{2, 4});
  REQUIRE(out.context.sizes() == std::vector<int64_t>{2, 10});
  CHECK(out.weights[0][2].item<float>() == 0.0f);
  CHECK(out.weights[0][3].item<float>() == 0.0f);
  CHECK(max_diff(out.weights.sum(1), torch::ones({2})) < 1e-6);
  // e_j = vᵀ tanh(W s + U h_j), computed by hand for sentence 1
  auto e = att->score(torch::tanh(att->query_proj(query[1]) + att->key_proj(memory[1]))).squeeze(1);
  CHECK(max_diff(torch::softmax(e, 0), out.weights[1]) < 1e-6);
  CHECK(max_diff(torch::matmul(out.weights[1], memory[1]), out.context[1]) < 1e-6);
  // Whatever sits in the padded memory rows changes nothing.
  auto noisy = memory.clone();
  noisy[0].narrow(0, 2, 2).normal_();
  auto out2 = att(query, att->project_keys(noisy), noisy, mask);
  CHECK(max_diff(out.context, out2.context) < 1e-6);
}

TEST_CASE("multi-head attention equals h single-head attentions concatenated and projected", "[attention]") {
  torch::manual_seed(3);
  const int64_t D = 12, H = 3, dk = D / H;
  MultiHeadAttention mha(MultiHeadAttentionOptions(D, H));
  mha->eval();
  auto x = torch::randn({2, 5, D});
  auto mask = causal_mask(5);
  auto out = mha(x, mask);
  REQUIRE(out.output.sizes() == std::vector<int64_t>{2, 5, D});
  REQUIRE(out.weights.sizes() == std::vector<int64_t>{2, H, 5, 5});

  auto W = mha->in_proj->weight, b = mha->in_proj->bias;  // [3D, D]: Q rows, K rows, V rows
  std::vector<torch::Tensor> heads;
  for (int64_t i = 0; i < H; ++i) {
    auto proj = [&](int64_t part) {  // W_i^{Q|K|V}: the rows of head i within part
      return torch::nn::functional::linear(x, W.narrow(0, part * D + i * dk, dk), b.narrow(0, part * D + i * dk, dk));
    };
    auto head = scaled_dot_product_attention(proj(0), proj(1), proj(2), mask);
    CHECK(max_diff(head.weights, out.weights.select(1, i)) < 1e-6);
    heads.push_back(head.output);
  }
  auto expected = mha->out_proj(torch::cat(heads, -1));
  CHECK(max_diff(expected, out.output) < 1e-5);
}

TEST_CASE("multi-head attention: incremental path with a K/V cache equals causal self-attention",
          "[attention]") {
  torch::manual_seed(4);
  MultiHeadAttention mha(MultiHeadAttentionOptions(16, 4));
  mha->eval();
  auto x = torch::randn({3, 6, 16});
  auto full = mha(x, causal_mask(6)).output;
  // A cache with room for 8 positions and 5 slots, in which the layer owns channels 2 and 3 of
  // 4 (as the Transformer keeps every layer's K and V in one): step t writes position t of
  // slots 0 … 2 in place, and hypothesis n reads its positions from slot n.
  auto cache = torch::full({8, 5, 4, 4, 4}, std::numeric_limits<float>::quiet_NaN());
  torch::Tensor slot_of = torch::empty({3, 0}, torch::kLong);
  for (int64_t t = 0; t < 6; ++t) {
    slot_of = torch::cat({slot_of, torch::arange(3).unsqueeze(1)}, 1);
    auto out = mha->forward_step(x.narrow(1, t, 1), cache, 2, slot_of, t);
    CHECK_FALSE(cache.narrow(0, 0, t + 1).narrow(1, 0, 3).narrow(2, 2, 2).isnan().any().item<bool>());
    CHECK(cache.narrow(0, t + 1, 8 - t - 1).isnan().all().item<bool>());  // nothing beyond position t
    CHECK(cache.narrow(1, 3, 2).isnan().all().item<bool>());              // nor in unused slots
    CHECK(cache.narrow(2, 0, 2).isnan().all().item<bool>());              // nor in other layers' channels
    CHECK(out.weights.sizes() == std::vector<int64_t>{3, 4, 1, t + 1});
    CHECK(max_diff(out.output.squeeze(1), full.select(1, t)) < 1e-5);
  }
  CHECK_THROWS(mha->forward_step(x.narrow(1, 0, 1), cache, 2, torch::zeros({3, 9}, torch::kLong), 8));  // no room
  CHECK_THROWS(mha->forward_step(x.narrow(1, 0, 1), cache, 3, slot_of, 2));  // channel 3 has no value channel
  // Cross-attention: Q from the decoder side, K/V from the memory, through the same in_proj rows.
  auto memory = torch::randn({3, 5, 16});
  auto kv = mha->project_kv(memory);
  CHECK(kv.first.sizes() == std::vector<int64_t>{3, 4, 5, 4});
  auto mask = torch::ones({3, 1, 1, 5}, torch::kBool);
  auto cross = mha->attend_memory(x, kv.first, kv.second, mask);
  auto W = mha->in_proj->weight, b = mha->in_proj->bias;
  auto part = [&](const torch::Tensor& in, int64_t i) {
    return mha->split_heads(torch::nn::functional::linear(in, W.narrow(0, i * 16, 16), b.narrow(0, i * 16, 16)));
  };
  auto by_hand = scaled_dot_product_attention(part(x, 0), part(memory, 1), part(memory, 2));
  CHECK(max_diff(mha->out_proj(mha->merge_heads(by_hand.output)), cross.output) < 1e-5);
  // One position per hypothesis, sources addressed by row: hypotheses 0 and 1 read source 2,
  // hypothesis 2 reads source 0; each equals the full cross-attention of that source.
  auto src_row = torch::tensor({2, 2, 0}, torch::kLong);
  auto queries = torch::stack({x[2][1], x[2][4], x[0][3]}).unsqueeze(1);  // [3, 1, 16]
  auto step = mha->attend_memory_step(queries, kv.first, kv.second, src_row, torch::ones({3, 5}, torch::kBool));
  CHECK(step.weights.sizes() == std::vector<int64_t>{3, 4, 1, 5});
  CHECK(max_diff(step.output.squeeze(1)[0], cross.output[2][1]) < 1e-5);
  CHECK(max_diff(step.output.squeeze(1)[1], cross.output[2][4]) < 1e-5);
  CHECK(max_diff(step.output.squeeze(1)[2], cross.output[0][3]) < 1e-5);
}

TEST_CASE("step attention: the CPU loop equals the ATen reference, and each hypothesis reads its own slots",
          "[attention]") {
  torch::manual_seed(9);
  const int64_t N = 7, H = 3, d = 12, T_cap = 10, slots = 9, t = 6, B = 4, S = 8;
  auto q = torch::randn({N, H, d});
  auto cache = torch::randn({T_cap, slots, 4, H, d});
  auto slot_of = torch::randint(0, slots, {N, T_cap}, torch::kLong);
  for (int64_t channel : {0, 2}) {
    auto fast = cached_self_attention(q, cache, channel, slot_of, t);
    auto ref = cached_self_attention_reference(q, cache, channel, slot_of, t);
    CHECK(fast.weights.sizes() == std::vector<int64_t>{N, H, t + 1});
    CHECK(max_diff(fast.output, ref.output) < 1e-5);
    CHECK(max_diff(fast.weights, ref.weights) < 1e-6);
  }
  // By hand: with q = 0 every visible key weighs the same, so hypothesis 0 gets the mean of the
  // values of its own slots (slot 4 at position 0, slot 1 at position 1, slot 4 at position 2).
  auto zero = cached_self_attention(torch::zeros({1, H, d}), cache, 0, torch::tensor({{4, 1, 4}}, torch::kLong), 2);
  auto mean = (cache[0][4][1] + cache[1][1][1] + cache[2][4][1]) / 3;  // [H, d]
  CHECK(max_diff(zero.output[0], mean) < 1e-6);
  // A hypothesis computed alone equals itself inside the batch, bit for bit.
  auto all = cached_self_attention(q, cache, 0, slot_of, t);
  auto alone = cached_self_attention(q.narrow(0, 5, 1), cache, 0, slot_of.narrow(0, 5, 1), t);
  CHECK(alone.output.equal(all.output.narrow(0, 5, 1)));
  CHECK_THROWS(cached_self_attention(q, cache, 0, torch::full({N, T_cap}, slots, torch::kLong), t));  // no such slot

  // Source attention through src_row, with padding (every source keeps at least one key).
  auto k = torch::randn({B, S, H, d}).transpose(1, 2), v = torch::randn({B, S, H, d}).transpose(1, 2);  // strided
  auto mask = torch::rand({B, S}) > 0.4;
  mask.select(1, 0).fill_(true);
  auto src_row = torch::randint(0, B, {N}, torch::kLong);
  auto fast = source_attention(q, k, v, src_row, mask);
  auto ref = source_attention_reference(q, k, v, src_row, mask);
  CHECK(max_diff(fast.output, ref.output) < 1e-5);
  CHECK(max_diff(fast.weights, ref.weights) < 1e-6);
  auto hidden = mask.index_select(0, src_row).logical_not().unsqueeze(1).expand({N, H, S});
  CHECK(fast.weights.masked_select(hidden).abs().max().item<float>() == 0.0f);  // padding gets exactly 0
  CHECK(max_diff(fast.weights.sum(-1), torch::ones({N, H})) < 1e-5);
  CHECK_THROWS(source_attention(q, k, v, torch::full({N}, B, torch::kLong), mask));  // no such source
}

TEST_CASE("sinusoidal positions and scaled embeddings", "[layers]") {
  auto pe = sinusoidal_positions(50, 8);
  CHECK(pe[0][0].item<float>() == 0.0f);   // sin(0)
  CHECK(pe[0][1].item<float>() == 1.0f);   // cos(0)
  CHECK(pe[3][2].item<float>() == Approx(std::sin(3.0 / std::pow(10000.0, 2.0 / 8))).margin(1e-6));
  CHECK(pe[7][5].item<float>() == Approx(std::cos(7.0 / std::pow(10000.0, 4.0 / 8))).margin(1e-6));

  torch::manual_seed(5);
  TransformerEmbedding emb(TransformerEmbeddingOptions(11, 8).max_positions(50));
  auto ids = torch::tensor({{4, 5, 6}}, torch::kLong);
  auto y = emb(ids, /*offset=*/2);
  auto expected = emb->tokens(ids) * std::sqrt(8.0) + pe.narrow(0, 2, 3);
  CHECK(max_diff(y, expected) < 1e-6);
  CHECK_THROWS(emb(torch::zeros({1, 60}, torch::kLong)));
}

TEST_CASE("feed-forward is position-wise", "[layers]") {
  torch::manual_seed(6);
  FeedForward ffn(FeedForwardOptions(8, 32));
  ffn->eval();
  auto x = torch::randn({2, 5, 8});
  auto y = ffn(x);
  CHECK(y.sizes() == x.sizes());
  CHECK(max_diff(ffn(x.narrow(1, 3, 1)), y.narrow(1, 3, 1)) < 1e-6);
  auto by_hand = ffn->contract(torch::relu(ffn->expand(x)));
  CHECK(max_diff(by_hand, y) < 1e-6);
}
