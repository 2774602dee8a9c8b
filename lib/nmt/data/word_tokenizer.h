// The "word" tokenizer: whitespace-separated symbols with a frequency-sorted vocabulary.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "nmt/data/tokenizer.h"

namespace nmt {

class WordTokenizer : public Tokenizer {
 public:
  // symbols[i] is the symbol of id i; ids 0-3 must be the specials <pad> <unk> <s> </s>.
  explicit WordTokenizer(std::vector<std::string> symbols);

  // Builds the vocabulary from whitespace-split `files`: specials, then symbols sorted by
  // descending frequency then symbol, at most `vocab_size` entries in all.
  static std::vector<std::string> build_vocab(const std::vector<std::string>& files, int64_t vocab_size);
  static void save_vocab(const std::vector<std::string>& symbols, const std::string& path);
  static std::vector<std::string> load_vocab(const std::string& path);  // throws IoError

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  std::vector<std::string> pieces(const std::vector<int32_t>& ids) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(symbols_.size()); }

 private:
  std::vector<std::string> symbols_;
  std::unordered_map<std::string, int32_t> ids_;
};

}  // namespace nmt
