// sacreBLEU's tokenizers on code points. Each regular expression of the originals is a
// one- or two-character pattern; Python's re.sub scans left to right without overlapping
// matches, which sub_pairs reproduces exactly.
#include "nmt/metrics/bleu_tokenizers.h"

#include "nmt/metrics/unicode.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

using text::from_utf8;
using U32 = std::u32string;

// re.sub(r'(A)(B)', r'\1 \2 ' or r' \1 \2', s) for single-character classes A and B.
template <class A, class B>
U32 sub_pairs(const U32& s, A a, B b, bool space_first) {
  U32 out;
  out.reserve(s.size() + s.size() / 2);
  size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && a(s[i]) && b(s[i + 1])) {
      if (space_first) out.push_back(U' ');
      out.push_back(s[i]);
      out.push_back(U' ');
      out.push_back(s[i + 1]);
      if (!space_first) out.push_back(U' ');
      i += 2;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

// re.sub(r'(A)', r' \1 ', s)
template <class A>
U32 sub_single(const U32& s, A a) {
  U32 out;
  out.reserve(s.size() + s.size() / 2);
  for (char32_t c : s) {
    if (a(c)) {
      out.push_back(U' ');
      out.push_back(c);
      out.push_back(U' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void replace_all(U32& s, const U32& from, const U32& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != U32::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

// ' '.join(line.split())
std::string join_split(const U32& s) {
  U32 out;
  out.reserve(s.size());
  for (const auto& tok : text::split(s)) {
    if (!out.empty()) out.push_back(U' ');
    out += tok;
  }
  return text::to_utf8(out);
}

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool is_dot_comma(char32_t c) { return c == U'.' || c == U','; }

// [\{-\~\[-\` -\&\(-\+\:-\@\/]
bool is_13a_split(char32_t c) {
  return (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26) ||
         (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == U'/';
}

std::string tokenize_13a(std::string_view line) {
  U32 s = from_utf8(line);
  replace_all(s, U"<skipped>", U"");
  replace_all(s, U"-\n", U"");
  replace_all(s, U"\n", U" ");
  if (s.find(U'&') != U32::npos) {
    replace_all(s, U"&quot;", U"\"");
    replace_all(s, U"&amp;", U"&");
    replace_all(s, U"&lt;", U"<");
    replace_all(s, U"&gt;", U">");
  }
  s = U" " + s + U" ";
  s = sub_single(s, is_13a_split);
  auto not_digit = [](char32_t c) { return !is_digit(c); };
  s = sub_pairs(s, not_digit, is_dot_comma, /*space_first=*/false);  // ([^0-9])([\.,]) → \1 \2
  s = sub_pairs(s, is_dot_comma, not_digit, /*space_first=*/true);   // ([\.,])([^0-9]) →  \1 \2
  s = sub_pairs(s, is_digit, [](char32_t c) { return c == U'-'; }, false);  // ([0-9])(-) → \1 \2
  return join_split(s);
}

std::string tokenize_intl(std::string_view line) {
  U32 s = from_utf8(line);
  auto not_number = [](char32_t c) { return !text::is_number(c); };
  s = sub_pairs(s, not_number, text::is_punct, /*space_first=*/false);  // (\P{N})(\p{P}) → \1 \2
  s = sub_pairs(s, text::is_punct, not_number, /*space_first=*/true);    // (\p{P})(\P{N}) →  \1 \2
  s = sub_single(s, text::is_symbol);                                     // (\p{S}) →  \1
  return join_split(s);
}

// ' '.join(line): every code point (spaces too) separated by a space.
std::string tokenize_char(std::string_view line) {
  const U32 s = from_utf8(line);
  U32 out;
  out.reserve(2 * s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out.push_back(U' ');
    out.push_back(s[i]);
  }
  return text::to_utf8(out);
}

}  // namespace

void check_bleu_tokenizer(const std::string& name) {
  if (name != "none" && name != "13a" && name != "intl" && name != "char")
    throw UsageError("unknown BLEU tokenizer '" + name + "' (valid: none, 13a, intl, char)");
}

std::string bleu_tokenize(std::string_view line, const std::string& name) {
  if (name == "13a") return tokenize_13a(line);
  if (name == "intl") return tokenize_intl(line);
  if (name == "char") return tokenize_char(line);
  check_bleu_tokenizer(name);
  return std::string(line);  // none
}

}  // namespace nmt
