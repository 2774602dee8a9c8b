// Synthetic sequence tasks for quick experiments: copy, reverse and sort.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nmt {

struct SyntheticOptions {
  std::string task = "reverse";  // copy | reverse | sort
  int64_t train = 20000, dev = 500, test = 500;  // pairs per split
  int64_t min_len = 5, max_len = 20;             // sequence length range (inclusive)
  int64_t vocab = 30;                            // symbols a0 .. a{vocab-1}
  uint64_t seed = 1;
};

struct SyntheticPair {
  std::string src, tgt;  // space-separated symbols
};

// Throws UsageError for an unknown task or inconsistent sizes.
void check_synthetic_options(const SyntheticOptions& opt);

// The three splits, generated from one random stream seeded by opt.seed: each source is a
// uniformly random length and symbols; the target is its copy, its reverse, or its symbols
// sorted by index (a2 before a10).
struct SyntheticData {
  std::vector<SyntheticPair> train, dev, test;
};
SyntheticData make_synthetic(const SyntheticOptions& opt);

// Writes {train,dev,test}.{src,tgt} into out_dir (created if needed). Throws IoError.
void write_synthetic(const SyntheticOptions& opt, const std::string& out_dir);

}  // namespace nmt
