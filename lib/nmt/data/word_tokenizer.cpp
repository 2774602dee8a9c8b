// The "word" tokenizer: whitespace-split symbols, vocabulary from training data.
#include "nmt/data/word_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <map>

#include "nmt/data/corpus.h"
#include "nmt/data/vocab.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"

namespace nmt {
namespace {

const char* const kSpecials[kNumSpecial] = {"<pad>", "<unk>", "<s>", "</s>"};

template <typename F>
void for_each_word(std::string_view text, F&& f) {
  size_t i = 0, n = text.size();
  while (i < n) {
    while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
    size_t j = i;
    while (j < n && !(text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\n')) ++j;
    if (j > i) f(text.substr(i, j - i));
    i = j;
  }
}

}  // namespace

WordTokenizer::WordTokenizer(std::vector<std::string> symbols) : symbols_(std::move(symbols)) {
  if (symbols_.size() < static_cast<size_t>(kNumSpecial))
    throw IoError("word vocabulary has " + std::to_string(symbols_.size()) + " entries, fewer than the 4 specials");
  for (int i = 0; i < kNumSpecial; ++i)
    if (symbols_[i] != kSpecials[i])
      throw IoError("word vocabulary: id " + std::to_string(i) + " must be " + kSpecials[i] + ", found '" +
                    symbols_[i] + "'");
  ids_.reserve(symbols_.size());
  for (size_t i = 0; i < symbols_.size(); ++i) ids_.emplace(symbols_[i], static_cast<int32_t>(i));
}

std::vector<std::string> WordTokenizer::build_vocab(const std::vector<std::string>& files, int64_t vocab_size) {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& f : files)
    for (const auto& line : read_lines(f))
      for_each_word(line, [&](std::string_view w) { ++counts[std::string(w)]; });
  for (const char* s : kSpecials) counts.erase(s);
  std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<std::string> symbols(kSpecials, kSpecials + kNumSpecial);
  for (const auto& [w, c] : sorted) {
    if (static_cast<int64_t>(symbols.size()) >= vocab_size) break;
    symbols.push_back(w);
  }
  return symbols;
}

void WordTokenizer::save_vocab(const std::vector<std::string>& symbols, const std::string& path) {
  std::string bytes;
  for (const auto& sym : symbols) bytes.append(sym).push_back('\n');
  write_file_atomic(path, bytes);
}

std::vector<std::string> WordTokenizer::load_vocab(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read word vocabulary " + path);
  std::vector<std::string> symbols;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    symbols.push_back(line);
  }
  return symbols;
}

std::vector<int32_t> WordTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  for_each_word(text, [&](std::string_view w) {
    auto it = ids_.find(std::string(w));
    ids.push_back(it == ids_.end() ? static_cast<int32_t>(kUnkId) : it->second);
  });
  return ids;
}

std::string WordTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  for (int32_t id : ids) {
    if (id == kPadId || id == kBosId || id == kEosId) continue;
    if (!out.empty()) out += ' ';
    out += (id >= 0 && id < static_cast<int32_t>(symbols_.size())) ? symbols_[id] : std::string("<unk>");
  }
  return out;
}

std::vector<std::string> WordTokenizer::pieces(const std::vector<int32_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (int32_t id : ids)
    out.push_back((id >= 0 && id < static_cast<int32_t>(symbols_.size())) ? symbols_[id] : std::string("<unk>"));
  return out;
}

}  // namespace nmt
