// UTF-8 codec, whitespace, category classes and lowercasing as Python sees them.
#include "nmt/metrics/unicode.h"

#include <algorithm>
#include <cctype>

#include "nmt/util/utf8.h"

namespace nmt::text {

std::u32string from_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    const size_t n = utf8_decode(s, i, &cp);
    if (n > 0) {
      out.push_back(cp);
      i += n;
    } else {  // surrogateescape: one invalid byte → U+DC80..U+DCFF
      out.push_back(0xDC00 + static_cast<unsigned char>(s[i]));
      ++i;
    }
  }
  return out;
}

std::string to_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    if (c >= 0xDC80 && c <= 0xDCFF) out.push_back(static_cast<char>(c - 0xDC00));  // an escaped invalid byte
    else utf8_append(out, c);
  }
  return out;
}

bool is_space(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

char category_class(char32_t c) {
  using detail::kCategoryRanges;
  const auto* end = kCategoryRanges + detail::kNumCategoryRanges;
  // First range whose upper end is >= c.
  const auto* it = std::lower_bound(kCategoryRanges, end, c,
                                    [](const detail::CategoryRange& r, char32_t v) { return r.hi < v; });
  return (it != end && it->lo <= c) ? it->cls : 0;
}

namespace {

char32_t lower_simple(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  using detail::kLowerRanges;
  const auto* end = kLowerRanges + detail::kNumLowerRanges;
  const auto* it = std::lower_bound(kLowerRanges, end, c,
                                    [](const detail::LowerRange& r, char32_t v) { return r.hi < v; });
  if (it == end || it->lo > c) return c;
  if (it->stride > 1 && (c - it->lo) % it->stride != 0) return c;
  return static_cast<char32_t>(static_cast<int64_t>(c) + it->delta);
}

// A letter-like code point for the final-sigma rule: not space, number, punctuation, symbol.
bool wordish(char32_t c) { return c >= 0x80 ? !is_space(c) && category_class(c) == 0 : std::isalpha(static_cast<int>(c)) != 0; }

}  // namespace

std::u32string lower(std::u32string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == 0x130) {  // İ → i + combining dot above (the one multi-char lowercase)
      out.push_back(U'i');
      out.push_back(0x307);
    } else if (c == 0x3A3) {  // Σ → ς at the end of a word, else σ
      const bool before = i > 0 && wordish(s[i - 1]);
      const bool after = i + 1 < s.size() && wordish(s[i + 1]);
      out.push_back(before && !after ? 0x3C2 : 0x3C3);
    } else {
      out.push_back(lower_simple(c));
    }
  }
  return out;
}

std::string lower_utf8(std::string_view s) { return to_utf8(lower(from_utf8(s))); }

std::vector<std::u32string> split(std::u32string_view s) {
  std::vector<std::u32string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && !is_space(s[j])) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::u32string_view rstrip(std::u32string_view s) {
  size_t n = s.size();
  while (n > 0 && is_space(s[n - 1])) --n;
  return s.substr(0, n);
}

}  // namespace nmt::text
