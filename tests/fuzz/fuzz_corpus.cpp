// Fuzz target: the parallel-corpus reader and the UTF-8 functions under it.
//
// Input: the first byte picks where the bytes are cut into a source and a target file.
// Contract:
//  - split_lines() returns lines or throws a DataError naming file:line; the lines hold no
//    '\n', every one is valid UTF-8, and their count is the number of '\n' (plus one for an
//    unterminated last line); check_line_counts() agrees with the two counts;
//  - UTF-8: sanitize_utf8() is always valid and leaves valid text unchanged; valid text
//    decodes to code points that encode back to the same bytes; utf8_code_points() pieces
//    concatenate to the input; utf8_length() counts them; utf8_truncate() is a prefix (plus
//    "…") of at most n code points, valid when its input is.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "nmt/data/corpus.h"
#include "nmt/util/utf8.h"

namespace {

using nmt_fuzz::fuzz_check;

size_t expected_lines(std::string_view t) {
  if (t.substr(0, nmt::kUtf8Bom.size()) == nmt::kUtf8Bom) t.remove_prefix(nmt::kUtf8Bom.size());
  size_t n = 0;
  for (char c : t) n += c == '\n';
  return n + (!t.empty() && t.back() != '\n');
}

void check_utf8(std::string_view s) {
  size_t bad = 0;
  const bool valid = nmt::valid_utf8(s, &bad);
  if (!valid) fuzz_check(bad < s.size(), "valid_utf8: bad offset outside the text");
  const std::string clean = nmt::sanitize_utf8(s);
  fuzz_check(nmt::valid_utf8(clean), "sanitize_utf8 returned invalid UTF-8");
  if (valid) fuzz_check(clean == s, "sanitize_utf8 changed valid UTF-8");

  std::string concat;
  const auto pieces = nmt::utf8_code_points(s);
  for (const auto& p : pieces) concat += p;
  fuzz_check(concat == s, "utf8_code_points pieces do not concatenate to the input");
  fuzz_check(nmt::utf8_length(s) == pieces.size(), "utf8_length differs from the number of code points");

  if (valid) {
    std::string re;
    char32_t cp = 0;
    for (size_t i = 0; i < s.size();) {
      const size_t n = nmt::utf8_decode(s, i, &cp);
      fuzz_check(n >= 1 && n <= 4, "utf8_decode failed inside valid text");
      nmt::utf8_append(re, cp);
      i += n;
    }
    fuzz_check(re == s, "decode + encode does not round-trip valid UTF-8");
  }
  for (size_t n : {size_t{0}, size_t{1}, size_t{3}, pieces.size() / 2 + 1}) {
    const std::string t = nmt::utf8_truncate(s, n);
    fuzz_check(nmt::utf8_length(t) <= std::max<size_t>(n, 0), "utf8_truncate returned too many code points");
    if (valid) fuzz_check(nmt::valid_utf8(t), "utf8_truncate of valid text is invalid");
    if (nmt::utf8_length(s) <= n) fuzz_check(t == s, "utf8_truncate changed a short enough text");
  }
}

std::vector<std::string> lines_of(std::string_view text, const std::string& name, bool* ok) {
  std::vector<std::string> lines;
  std::string why;
  *ok = nmt_fuzz::expect_nmt_errors_only([&] { lines = nmt::split_lines(text, name); }, &why);
  if (!*ok) {
    fuzz_check(why.rfind(name + ":", 0) == 0, "the error does not start with file:line", why);
    fuzz_check(why.find("invalid UTF-8") != std::string::npos, "unexpected error", why);
    return lines;
  }
  fuzz_check(lines.size() == expected_lines(text), "wrong number of lines");
  for (const auto& l : lines) {
    fuzz_check(l.find('\n') == std::string::npos, "a line holds a newline");
    fuzz_check(nmt::valid_utf8(l), "an accepted line is not valid UTF-8");
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view all = nmt_fuzz::as_text(data + 1, size - 1);
  const size_t cut = all.empty() ? 0 : (static_cast<size_t>(data[0]) * all.size()) / 255;
  const std::string_view src = all.substr(0, cut), tgt = all.substr(cut);
  check_utf8(src);
  check_utf8(tgt);
  bool src_ok = false, tgt_ok = false;
  const auto s = lines_of(src, "train.src", &src_ok);
  const auto t = lines_of(tgt, "train.tgt", &tgt_ok);
  if (src_ok && tgt_ok) {
    std::string why;
    const bool same = nmt_fuzz::expect_nmt_errors_only(
        [&] { nmt::check_line_counts("train.src", s.size(), "train.tgt", t.size()); }, &why);
    fuzz_check(same == (s.size() == t.size()), "check_line_counts disagrees with the counts", why);
    if (!same) fuzz_check(why.find("train.src") != std::string::npos && why.find("train.tgt") != std::string::npos,
                          "a line count mismatch must name both files", why);
  }
  return 0;
}
