// The bits of Unicode that sacreBLEU's tokenizers rely on, without ICU: a UTF-8 codec,
// Python's notion of whitespace (str.split), general-category classes N/P/S (the regex
// module's \p{N}, \p{P}, \p{S}) and Python's str.lower(). No torch dependency.
//
// Approximations (documented): tables come from Python 3.11's Unicode 14.0 database, while
// sacreBLEU's intl tokenizer uses the `regex` module's (possibly newer) tables; str.lower()'s
// context-dependent final sigma is applied when Σ ends a run of letters.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nmt::text {

// UTF-8 → code points. Invalid bytes map to U+DC80..U+DCFF (Python's surrogateescape), so
// every input round-trips through to_utf8 and compares consistently.
std::u32string from_utf8(std::string_view s);
std::string to_utf8(std::u32string_view s);

// Python's str.isspace() (what str.split() with no arguments splits on).
bool is_space(char32_t c);
// First letter of the general category if it is N, P or S, else 0.
char category_class(char32_t c);
inline bool is_number(char32_t c) { return category_class(c) == 'N'; }
inline bool is_punct(char32_t c) { return category_class(c) == 'P'; }
inline bool is_symbol(char32_t c) { return category_class(c) == 'S'; }

// Python's str.lower().
std::u32string lower(std::u32string_view s);
std::string lower_utf8(std::string_view s);

// Python's str.split(): maximal runs of non-space code points.
std::vector<std::u32string> split(std::u32string_view s);
// Python's str.rstrip().
std::u32string_view rstrip(std::u32string_view s);

namespace detail {
struct CategoryRange {
  char32_t lo, hi;
  char cls;
};
struct LowerRange {
  char32_t lo, hi;
  int32_t delta, stride;
};
extern const CategoryRange kCategoryRanges[];
extern const size_t kNumCategoryRanges;
extern const LowerRange kLowerRanges[];
extern const size_t kNumLowerRanges;
}  // namespace detail

}  // namespace nmt::text
