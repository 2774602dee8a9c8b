// Token-budget batching with length bucketing and a per-epoch deterministic shuffle.
#include "nmt/data/batcher.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "nmt/data/vocab.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

// Pairs are sorted by length inside chunks of this many shuffled pairs.
constexpr size_t kBucketChunk = 1 << 16;

// A uniform integer in [0, n) from a 64-bit engine, the same on every standard library.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rng(); while (x >= limit);
  return x % n;
}

template <typename T>
void shuffle_in_place(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_below(rng, i)]);
}

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

Batch make_batch(const EncodedCorpus& corpus, const std::vector<int64_t>& rows) {
  TORCH_CHECK(!rows.empty(), "make_batch: no rows");
  const int64_t B = static_cast<int64_t>(rows.size());
  int64_t S = 0, T = 0;
  for (int64_t r : rows) {
    TORCH_CHECK(r >= 0 && r < static_cast<int64_t>(corpus.size()), "make_batch: row ", r, " out of range");
    S = std::max(S, corpus.src_len(r) + 1);
    T = std::max(T, corpus.tgt_len(r) + 1);
  }
  Batch b;
  b.src = torch::full({B, S}, kPadId, torch::kLong);      // [B, S]
  b.tgt_in = torch::full({B, T}, kPadId, torch::kLong);   // [B, T]
  b.tgt_out = torch::full({B, T}, kPadId, torch::kLong);  // [B, T]
  int64_t* src = b.src.data_ptr<int64_t>();
  int64_t* tin = b.tgt_in.data_ptr<int64_t>();
  int64_t* tout = b.tgt_out.data_ptr<int64_t>();
  b.index.reserve(rows.size());
  for (int64_t i = 0; i < B; ++i) {
    size_t r = static_cast<size_t>(rows[i]);
    const int64_t ls = corpus.src_len(r), lt = corpus.tgt_len(r);
    const int32_t* x = corpus.src(r);
    const int32_t* y = corpus.tgt(r);
    for (int64_t j = 0; j < ls; ++j) src[i * S + j] = x[j];
    src[i * S + ls] = kEosId;
    tin[i * T] = kBosId;
    for (int64_t j = 0; j < lt; ++j) {
      tin[i * T + j + 1] = y[j];
      tout[i * T + j] = y[j];
    }
    tout[i * T + lt] = kEosId;
    b.src_tokens += ls + 1;
    b.tgt_tokens += lt + 1;
    b.index.push_back(corpus.index(r));
  }
  b.src_mask = b.src.ne(kPadId);  // [B, S] bool; real ids are never kPadId
  return b;
}

Batcher::Batcher(const EncodedCorpus& corpus, int64_t batch_tokens, uint64_t seed, bool shuffle)
    : corpus_(corpus), batch_tokens_(batch_tokens), seed_(seed), shuffle_(shuffle) {
  if (batch_tokens <= 0) throw UsageError("batch_tokens must be positive, got " + std::to_string(batch_tokens));
  plan_epoch();
}

void Batcher::plan_epoch() {
  const size_t n = corpus_.size();
  std::mt19937_64 rng(mix(seed_ ^ mix(static_cast<uint64_t>(epoch_) + 0x1234567ull)));
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (shuffle_) shuffle_in_place(order, rng);

  plan_.clear();
  for (size_t start = 0; start < n; start += kBucketChunk) {
    auto first = order.begin() + static_cast<std::ptrdiff_t>(start);
    auto last = order.begin() + static_cast<std::ptrdiff_t>(std::min(n, start + kBucketChunk));
    std::stable_sort(first, last, [&](int64_t a, int64_t b) {
      int64_t ta = corpus_.tgt_len(a), tb = corpus_.tgt_len(b);
      return ta != tb ? ta < tb : corpus_.src_len(a) < corpus_.src_len(b);
    });
    // Greedy fill: padded target (and source) tokens, EOS included, stay within budget.
    std::vector<int64_t> cur;
    int64_t max_s = 0, max_t = 0;
    for (auto it = first; it != last; ++it) {
      int64_t s = corpus_.src_len(*it) + 1, t = corpus_.tgt_len(*it) + 1;
      int64_t ns = std::max(max_s, s), nt = std::max(max_t, t);
      int64_t rows = static_cast<int64_t>(cur.size()) + 1;
      if (!cur.empty() && (nt * rows > batch_tokens_ || ns * rows > batch_tokens_)) {
        plan_.push_back(std::move(cur));
        cur.clear();
        ns = s;
        nt = t;
      }
      cur.push_back(*it);
      max_s = ns;
      max_t = nt;
    }
    if (!cur.empty()) plan_.push_back(std::move(cur));
  }
  if (shuffle_) shuffle_in_place(plan_, rng);
}

bool Batcher::next(Batch* out) {
  if (position_ + world_ > static_cast<int64_t>(plan_.size())) {
    ++epoch_;
    position_ = 0;
    plan_epoch();
    return false;
  }
  *out = make_batch(corpus_, plan_[static_cast<size_t>(position_ + rank_)]);
  position_ += world_;
  return true;
}

void Batcher::shard(int rank, int world) {
  if (world < 1 || rank < 0 || rank >= world)
    throw UsageError("Batcher::shard: rank " + std::to_string(rank) + " of " + std::to_string(world));
  if (static_cast<int64_t>(plan_.size()) < world)
    throw DataError("the training data make " + std::to_string(plan_.size()) + " batch(es) per epoch, fewer than the " +
                    std::to_string(world) + " data-parallel ranks; use a smaller train.batch_tokens or more data");
  rank_ = rank;
  world_ = world;
}

void Batcher::seek(int64_t epoch, int64_t position) {
  if (epoch < 0 || position < 0) throw UsageError("Batcher::seek: negative epoch or position");
  epoch_ = epoch;
  plan_epoch();
  if (position > static_cast<int64_t>(plan_.size()))
    throw UsageError("Batcher::seek: position " + std::to_string(position) + " beyond the " +
                     std::to_string(plan_.size()) + " batches of an epoch");
  position_ = position;
}

}  // namespace nmt
