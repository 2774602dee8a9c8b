// UTF-8 validation and repair (no torch dependency).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace nmt {

// True when `s` is valid UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
// On failure, *bad_offset (if given) is the byte offset of the first invalid sequence.
bool valid_utf8(std::string_view s, size_t* bad_offset = nullptr);

// `s` with every invalid byte sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view s);

}  // namespace nmt
