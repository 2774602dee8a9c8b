// Token-budget batching with length bucketing, deterministic shuffling and exact positions.
#pragma once
#include <cstdint>
#include <vector>

#include "nmt/data/batch.h"
#include "nmt/data/corpus.h"

namespace nmt {

// Pads rows of `corpus` into a Batch: src = x.. EOS, tgt_in = BOS y.., tgt_out = y.. EOS.
Batch make_batch(const EncodedCorpus& corpus, const std::vector<int64_t>& rows);

// Splits a corpus into batches of at most `batch_tokens` padded target tokens (a single
// over-long pair still gets a batch of its own). Pairs of similar length go together.
// Epoch e's batch order depends only on (seed, e): the same seed gives the same batches,
// and a position (epoch, batch) can be restored exactly for resume.
class Batcher {
 public:
  Batcher(const EncodedCorpus& corpus, int64_t batch_tokens, uint64_t seed, bool shuffle = true);

  // The next batch of the current epoch; returns false (and moves to the next epoch) at
  // the end of an epoch.
  bool next(Batch* out);
  int64_t epoch() const { return epoch_; }        // 0-based current epoch
  int64_t position() const { return position_; }  // batches already taken in this epoch
  int64_t batches_per_epoch() const { return static_cast<int64_t>(plan_.size()); }
  void seek(int64_t epoch, int64_t position);      // resume exactly here

  // Data-parallel sharding: the epoch's batches are dealt out in turn — batch i of the plan
  // goes to rank i % world — so every rank reads its own shard, and one round of `world`
  // batches is the same global batch whatever the world size (2 ranks × 1 batch = 1 rank ×
  // accum_steps 2). position() then counts the batches all ranks took. An epoch ends for
  // every rank at once: its last (batches % world) batches are left out.
  void shard(int rank, int world);

  // The row lists of one epoch's batches, in order (for tests).
  const std::vector<std::vector<int64_t>>& plan() const { return plan_; }

 private:
  void plan_epoch();
  const EncodedCorpus& corpus_;
  int64_t batch_tokens_;
  uint64_t seed_;
  bool shuffle_;
  int64_t epoch_ = 0, position_ = 0;
  int64_t rank_ = 0, world_ = 1;
  std::vector<std::vector<int64_t>> plan_;
};

}  // namespace nmt
