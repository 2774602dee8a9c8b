// UTF-8 decoding, validation and repair, in one place (no torch dependency). Everything else
// that walks UTF-8 (the BLEU tokenizers' codec, SVG text, the console) uses these.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nmt {

// The UTF-8 byte-order mark (U+FEFF) that some editors put at the start of a file.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Decodes the code point starting at s[i]. Returns its byte length (1–4) and sets *cp, or
// returns 0 when the bytes there are not valid UTF-8 (overlong, surrogate, > U+10FFFF,
// truncated or a stray continuation byte). Requires i < s.size().
size_t utf8_decode(std::string_view s, size_t i, char32_t* cp);

// True when `s` is valid UTF-8. On failure, *bad_offset (if given) is the byte offset of the
// first invalid sequence.
bool valid_utf8(std::string_view s, size_t* bad_offset = nullptr);

// `s` with every invalid byte replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);

// Appends the UTF-8 encoding of `cp` (which must be a valid scalar value) to `out`.
void utf8_append(std::string& out, char32_t cp);

// Number of code points (an invalid byte counts as one).
size_t utf8_length(std::string_view s);

// The first max_chars code points; when `s` is longer, the first max_chars − 1 and "…".
std::string utf8_truncate(std::string_view s, size_t max_chars);

// `s` split into code points, each as its UTF-8 bytes (an invalid byte stands alone).
std::vector<std::string> utf8_code_points(std::string_view s);

}  // namespace nmt
