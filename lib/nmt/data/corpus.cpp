// Reading checked parallel text and encoding it into flat buffers.
#include "nmt/data/corpus.h"

#include <c10/util/Exception.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "nmt/util/utf8.h"

namespace nmt {
namespace {

std::string base_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

}  // namespace

std::vector<std::string> read_lines(const std::string& path) {
  if (path.empty()) throw DataError("no file name given");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw DataError("file not found: " + path);
  if (std::filesystem::is_directory(path, ec)) throw DataError("not a file: " + path);
  std::string text;
  try {
    text = read_file(path);
  } catch (const IoError& e) {
    throw DataError(e.what());
  }
  return split_lines(text, path);
}

std::vector<std::string> split_lines(std::string_view text, const std::string& name) {
  std::vector<std::string> lines;
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    const size_t end = nl == std::string_view::npos ? text.size() : nl;
    const size_t stop = (end > start && text[end - 1] == '\r') ? end - 1 : end;
    lines.emplace_back(text.substr(start, stop - start));
    size_t bad = 0;
    if (!valid_utf8(lines.back(), &bad))
      throw DataError(name + ":" + std::to_string(lines.size()) + ": invalid UTF-8 at byte " + std::to_string(bad + 1));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

ParallelText read_parallel(const FilePair& files) {
  ParallelText t;
  t.src = read_lines(files.src);
  t.tgt = read_lines(files.tgt);
  check_line_counts(base_name(files.src), t.src.size(), base_name(files.tgt), t.tgt.size(),
                    files.src + ", " + files.tgt);
  return t;
}

void check_line_counts(const std::string& a, size_t a_lines, const std::string& b, size_t b_lines,
                       const std::string& context) {
  if (a_lines != b_lines)
    throw DataError("line count mismatch: " + a + " has " + std::to_string(a_lines) + " lines, " + b + " has " +
                    std::to_string(b_lines) + (context.empty() ? "" : " (" + context + ")"));
}

std::vector<std::vector<std::string>> read_references(const std::vector<std::string>& paths,
                                                      const std::string& against, size_t lines) {
  std::vector<std::vector<std::string>> refs;
  for (const auto& path : paths) {
    refs.push_back(read_lines(path));
    check_line_counts(against, lines, path, refs.back().size());
  }
  return refs;
}

void EncodedCorpus::add(const std::vector<int32_t>& src, const std::vector<int32_t>& tgt, int64_t index) {
  src_ids_.insert(src_ids_.end(), src.begin(), src.end());
  tgt_ids_.insert(tgt_ids_.end(), tgt.begin(), tgt.end());
  src_off_.push_back(static_cast<int64_t>(src_ids_.size()));
  tgt_off_.push_back(static_cast<int64_t>(tgt_ids_.size()));
  index_.push_back(index);
}

EncodedCorpus encode_corpus(const ParallelText& text, const Tokenizers& tok, bool filter, int64_t max_len,
                            double max_ratio, CorpusStats* stats) {
  TORCH_CHECK(tok.src && tok.tgt, "encode_corpus: tokenizers not loaded");
  TORCH_CHECK(text.src.size() == text.tgt.size(), "encode_corpus: src/tgt sizes differ");
  CorpusStats st;
  EncodedCorpus out;
  for (size_t i = 0; i < text.size(); ++i) {
    ++st.read;
    std::vector<int32_t> s = tok.src->encode(text.src[i]);
    std::vector<int32_t> t = tok.tgt->encode(text.tgt[i]);
    if (filter) {
      if (s.empty() || t.empty()) {
        ++st.skipped_empty;
        continue;
      }
      if (max_len > 0 && (static_cast<int64_t>(s.size()) > max_len || static_cast<int64_t>(t.size()) > max_len)) {
        ++st.skipped_long;
        continue;
      }
      double a = static_cast<double>(s.size()), b = static_cast<double>(t.size());
      if (max_ratio > 0 && std::max(a, b) / std::min(a, b) > max_ratio) {
        ++st.skipped_ratio;
        continue;
      }
    }
    out.add(s, t, static_cast<int64_t>(i));
    ++st.kept;
  }
  if (filter)
    spdlog::info("corpus: read {} pairs, kept {}; skipped {} empty, {} longer than {} tokens, {} with ratio > {}",
                 st.read, st.kept, st.skipped_empty, st.skipped_long, max_len, st.skipped_ratio, max_ratio);
  if (stats) *stats = st;
  return out;
}

}  // namespace nmt
