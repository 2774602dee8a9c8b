// Reading parallel text and holding it encoded in contiguous buffers.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/data/tokenizer.h"

namespace nmt {

// Raw lines of a parallel corpus, checked: both files readable, equal line counts, valid
// UTF-8. Throws DataError naming the file (and first offending line, or both counts).
struct ParallelText {
  std::vector<std::string> src, tgt;
  size_t size() const { return src.size(); }
};
ParallelText read_parallel(const FilePair& files);

// Lines of one text file, checked for UTF-8. Throws DataError naming file:line.
std::vector<std::string> read_lines(const std::string& path);

// The lines of `text` (a whole file named `name`): split at '\n', one '\r' before it
// removed, a UTF-8 byte-order mark at the very start dropped, nothing after a final '\n'.
// Throws DataError "name:line: invalid UTF-8 at byte N" for the first invalid line.
std::vector<std::string> split_lines(std::string_view text, const std::string& name);

// Throws DataError "line count mismatch: A has N lines, B has M (context)" when the counts differ.
void check_line_counts(const std::string& a, size_t a_lines, const std::string& b, size_t b_lines,
                       const std::string& context = "");

// Reads every reference file and checks that each has `lines` lines, like `against` (the
// source or hypothesis file they belong to).
std::vector<std::vector<std::string>> read_references(const std::vector<std::string>& paths,
                                                      const std::string& against, size_t lines);

struct CorpusStats {
  int64_t read = 0, kept = 0, skipped_empty = 0, skipped_long = 0, skipped_ratio = 0;
};

// Token ids of many sentences in two flat buffers (no per-sentence allocations).
// Sequences carry no BOS/EOS; make_batch adds them.
class EncodedCorpus {
 public:
  void add(const std::vector<int32_t>& src, const std::vector<int32_t>& tgt, int64_t index);
  size_t size() const { return index_.size(); }
  const int32_t* src(size_t i) const { return src_ids_.data() + src_off_[i]; }
  const int32_t* tgt(size_t i) const { return tgt_ids_.data() + tgt_off_[i]; }
  int64_t src_len(size_t i) const { return src_off_[i + 1] - src_off_[i]; }
  int64_t tgt_len(size_t i) const { return tgt_off_[i + 1] - tgt_off_[i]; }
  int64_t index(size_t i) const { return index_[i]; }  // line number (0-based) in the text
  int64_t total_tgt_tokens() const { return static_cast<int64_t>(tgt_ids_.size()); }

 private:
  std::vector<int32_t> src_ids_, tgt_ids_;
  std::vector<int64_t> src_off_{0}, tgt_off_{0};
  std::vector<int64_t> index_;
};

// Encodes `text`. With filter=true (training data), skips pairs with an empty side, longer
// than max_len tokens (either side, before EOS) or with a length ratio above max_ratio, and
// counts them in `stats`. With filter=false every pair is kept (dev/test).
EncodedCorpus encode_corpus(const ParallelText& text, const Tokenizers& tok, bool filter,
                            int64_t max_len, double max_ratio, CorpusStats* stats = nullptr);

}  // namespace nmt
