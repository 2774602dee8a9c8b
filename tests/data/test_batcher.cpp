#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <random>

#include "nmt/data/batcher.h"
#include "nmt/data/vocab.h"
#include "nmt/util/error.h"

namespace {

nmt::EncodedCorpus random_corpus(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  nmt::EncodedCorpus c;
  for (int i = 0; i < n; ++i) {
    int ls = 1 + static_cast<int>(rng() % 30), lt = 1 + static_cast<int>(rng() % 30);
    std::vector<int32_t> s(ls), t(lt);
    for (auto& x : s) x = 4 + static_cast<int32_t>(rng() % 50);
    for (auto& x : t) x = 4 + static_cast<int32_t>(rng() % 50);
    c.add(s, t, i);
  }
  return c;
}

}  // namespace

TEST_CASE("make_batch pads and frames with BOS/EOS", "[batcher]") {
  nmt::EncodedCorpus c;
  c.add({5, 6, 7}, {8}, 10);
  c.add({9}, {10, 11}, 11);
  auto b = nmt::make_batch(c, {0, 1});
  REQUIRE(b.size() == 2);
  REQUIRE(b.src.sizes() == torch::IntArrayRef({2, 4}));
  REQUIRE(b.tgt_in.sizes() == torch::IntArrayRef({2, 3}));
  REQUIRE(torch::equal(b.src, torch::tensor({5, 6, 7, 3, 9, 3, 0, 0}, torch::kLong).view({2, 4})));
  REQUIRE(torch::equal(b.src_mask, b.src.ne(0)));
  REQUIRE(b.src_mask.dtype() == torch::kBool);
  REQUIRE(torch::equal(b.tgt_in, torch::tensor({2, 8, 0, 2, 10, 11}, torch::kLong).view({2, 3})));
  REQUIRE(torch::equal(b.tgt_out, torch::tensor({8, 3, 0, 10, 11, 3}, torch::kLong).view({2, 3})));
  REQUIRE(b.index == std::vector<int64_t>{10, 11});
  REQUIRE(b.src_tokens == 6);
  REQUIRE(b.tgt_tokens == 5);
}

TEST_CASE("batches respect the token budget and cover every pair once per epoch", "[batcher]") {
  auto c = random_corpus(2000, 7);
  const int64_t budget = 200;
  nmt::Batcher batcher(c, budget, 42);
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<int> seen(c.size(), 0);
    nmt::Batch b;
    int64_t count = 0, tokens = 0;
    while (batcher.next(&b)) {
      ++count;
      REQUIRE(b.tgt_out.numel() <= budget);  // padded target tokens incl. EOS
      REQUIRE(b.src.numel() <= budget);
      for (int64_t idx : b.index) ++seen[static_cast<size_t>(idx)];
      tokens += b.tgt_tokens;
    }
    REQUIRE(count == batcher.batches_per_epoch());
    REQUIRE(std::all_of(seen.begin(), seen.end(), [](int s) { return s == 1; }));
    REQUIRE(tokens == c.total_tgt_tokens() + static_cast<int64_t>(c.size()));
    REQUIRE(batcher.epoch() == epoch + 1);
  }
}

TEST_CASE("an over-long pair gets a batch of its own", "[batcher]") {
  nmt::EncodedCorpus c;
  c.add(std::vector<int32_t>(50, 5), std::vector<int32_t>(50, 6), 0);
  c.add({5}, {6}, 1);
  nmt::Batcher batcher(c, 10, 1);
  REQUIRE(batcher.batches_per_epoch() == 2);
}

TEST_CASE("batches bucket similar lengths", "[batcher]") {
  auto c = random_corpus(3000, 3);
  nmt::Batcher batcher(c, 400, 5);
  nmt::Batch b;
  int64_t real = 0, padded = 0;
  while (batcher.next(&b)) {
    real += b.tgt_tokens;
    padded += b.tgt_out.numel();
  }
  REQUIRE(static_cast<double>(real) / static_cast<double>(padded) > 0.9);
}

TEST_CASE("same seed same batches, different epochs and seeds differ, seek reproduces", "[batcher]") {
  auto c = random_corpus(1000, 11);
  nmt::Batcher a(c, 150, 9), b(c, 150, 9), other(c, 150, 10);
  REQUIRE(a.plan() == b.plan());
  REQUIRE(a.plan() != other.plan());
  auto epoch0 = a.plan();
  nmt::Batch x;
  while (a.next(&x)) {
  }
  REQUIRE(a.epoch() == 1);
  auto epoch1 = a.plan();
  REQUIRE(epoch1 != epoch0);

  // Take 5 batches of epoch 1, then resume a fresh batcher at (1, 5).
  for (int i = 0; i < 5; ++i) REQUIRE(a.next(&x));
  nmt::Batch expected;
  REQUIRE(a.next(&expected));
  nmt::Batcher resumed(c, 150, 9);
  resumed.seek(1, 5);
  REQUIRE(resumed.plan() == epoch1);
  nmt::Batch got;
  REQUIRE(resumed.next(&got));
  REQUIRE(got.index == expected.index);
  REQUIRE(torch::equal(got.src, expected.src));
  REQUIRE(resumed.position() == 6);
  REQUIRE_THROWS(resumed.seek(0, resumed.batches_per_epoch() + 1));
}

TEST_CASE("without shuffling the plan is fixed and complete", "[batcher]") {
  auto c = random_corpus(300, 2);
  nmt::Batcher batcher(c, 100, 1, /*shuffle=*/false);
  auto p0 = batcher.plan();
  nmt::Batch b;
  while (batcher.next(&b)) {
  }
  REQUIRE(batcher.plan() == p0);
  size_t total = 0;
  for (const auto& rows : p0) total += rows.size();
  REQUIRE(total == c.size());
}

TEST_CASE("sharded batchers deal out one plan: rank r takes batches r, r+W, ...", "[batcher]") {
  auto c = random_corpus(1500, 11);
  nmt::Batcher whole(c, 150, 9);
  const int64_t n = whole.batches_per_epoch();
  REQUIRE(n % 3 != 0);  // so the leftover rule is exercised
  std::vector<std::vector<int64_t>> plan;
  nmt::Batch b;
  while (whole.next(&b)) plan.push_back(b.index);
  for (int world : {2, 3}) {
    std::vector<std::unique_ptr<nmt::Batcher>> ranks;
    for (int r = 0; r < world; ++r) {
      ranks.push_back(std::make_unique<nmt::Batcher>(c, 150, 9));
      ranks.back()->shard(r, world);
    }
    // Round k of the ranks is plan batches k*W .. k*W+W-1, in rank order; the epoch ends for
    // every rank at once, leaving out the last n % W batches.
    for (int64_t k = 0; k < n / world; ++k)
      for (int r = 0; r < world; ++r) {
        REQUIRE(ranks[static_cast<size_t>(r)]->next(&b));
        REQUIRE(b.index == plan[static_cast<size_t>(k * world + r)]);
        REQUIRE(ranks[static_cast<size_t>(r)]->position() == (k + 1) * world);
      }
    for (auto& rb : ranks) {
      REQUIRE_FALSE(rb->next(&b));
      REQUIRE(rb->epoch() == 1);
    }
    // Resume: seek to a global position and continue with the same batch.
    nmt::Batcher again(c, 150, 9);
    again.shard(1, world);
    again.seek(0, world * 2);
    REQUIRE(again.next(&b));
    REQUIRE(b.index == plan[static_cast<size_t>(world * 2 + 1)]);
  }
  nmt::Batcher tiny(c, 100000, 9);
  CHECK_THROWS_AS(tiny.shard(0, 1000), nmt::DataError);
  CHECK_THROWS_AS(tiny.shard(2, 2), nmt::UsageError);
}
