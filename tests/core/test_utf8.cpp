#include <catch2/catch.hpp>

#include "nmt/util/utf8.h"

TEST_CASE("UTF-8 validation finds the first bad byte", "[utf8]") {
  size_t off = 99;
  CHECK(nmt::valid_utf8("¿Qué? 中文 😀"));
  CHECK_FALSE(nmt::valid_utf8("ab\xff" "cd", &off));
  CHECK(off == 2);
  CHECK_FALSE(nmt::valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(nmt::valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(nmt::valid_utf8("\xE4\xB8"));          // truncated
}

TEST_CASE("sanitize_utf8 replaces invalid bytes with U+FFFD", "[utf8]") {
  CHECK(nmt::sanitize_utf8("ok ñ") == "ok ñ");
  CHECK(nmt::sanitize_utf8("a\xff" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(nmt::valid_utf8(nmt::sanitize_utf8("\xE4\xB8 x \xC0\xAF")));
}
