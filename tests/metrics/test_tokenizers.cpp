// sacreBLEU tokenizers (13a, intl, char, none) and the Unicode helpers under them.
#include <catch2/catch.hpp>

#include "nmt/metrics/bleu_tokenizers.h"
#include "nmt/metrics/unicode.h"
#include "nmt/util/error.h"

using nmt::bleu_tokenize;

TEST_CASE("tokenizers: 13a punctuation rules", "[metrics][tokenize]") {
  // . and , split unless next to a digit; ! ? split always; apostrophes stay.
  CHECK(bleu_tokenize("Hello, world! It's 3.14, isn't it?", "13a") ==
        "Hello , world ! It's 3.14 , isn't it ?");
  // A dash after a digit is split; inside words it stays.
  CHECK(bleu_tokenize("1990-2000 well-known", "13a") == "1990 - 2000 well-known");
  // Sentence-final number: the trailing space added by 13a lets the dot split off.
  CHECK(bleu_tokenize("in 1990.", "13a") == "in 1990 .");
  // HTML entities are unescaped (&quot; first, then &amp;, &lt;, &gt;).
  CHECK(bleu_tokenize("He said &quot;hi&quot; &amp; left &lt;b&gt;", "13a") ==
        "He said \" hi \" & left < b >");
  CHECK(bleu_tokenize("a <skipped> b", "13a") == "a b");
  // Symbols of the ASCII class: ( ) [ ] { } $ % / @ etc.
  CHECK(bleu_tokenize("(a)[b]{c} $5 50% a/b x@y", "13a") ==
        "( a ) [ b ] { c } $ 5 50 % a / b x @ y");
  // Non-overlapping left-to-right matching, as Python's re.sub.
  CHECK(bleu_tokenize("x.,y", "13a") == "x . , y");
  // Non-ASCII text passes through untouched apart from the ASCII rules.
  CHECK(bleu_tokenize("¿Qué tal?", "13a") == "¿Qué tal ?");
  CHECK(bleu_tokenize("  many   spaces  ", "13a") == "many spaces");
}

TEST_CASE("tokenizers: intl splits Unicode punctuation and symbols", "[metrics][tokenize]") {
  CHECK(bleu_tokenize("Hello, world! 3.14 €5", "intl") == "Hello , world ! 3.14 € 5");
  CHECK(bleu_tokenize("¿Qué tal?", "intl") == "¿ Qué tal ?");
  CHECK(bleu_tokenize("«Bonjour», dit-il.", "intl") == "« Bonjour » , dit - il .");
  // mteval-v14's known quirk: a sentence-final number keeps its dot.
  CHECK(bleu_tokenize("in 1990.", "intl") == "in 1990.");
  CHECK(bleu_tokenize("1,000 a+b", "intl") == "1,000 a + b");
  CHECK(bleu_tokenize("日本語。テスト", "intl") == "日本語 。 テスト");
}

TEST_CASE("tokenizers: char and none", "[metrics][tokenize]") {
  CHECK(bleu_tokenize("ab c", "char") == "a b   c");
  CHECK(bleu_tokenize("né", "char") == "n é");
  CHECK(bleu_tokenize(" a,b ", "none") == " a,b ");
  CHECK_THROWS_AS(bleu_tokenize("a", "spm"), nmt::UsageError);
}

TEST_CASE("unicode: codec, categories, whitespace, lowercase", "[metrics][unicode]") {
  using namespace nmt::text;
  const std::string s = "aé€😀";
  const bool decoded = from_utf8(s) == std::u32string{U'a', 0xE9, 0x20AC, 0x1F600};
  CHECK(decoded);
  CHECK(to_utf8(from_utf8(s)) == s);
  const std::string bad = "a\xff" "b";  // invalid byte survives a round trip
  CHECK(to_utf8(from_utf8(bad)) == bad);
  CHECK(category_class(U',') == 'P');
  CHECK(category_class(0x20AC) == 'S');  // €
  CHECK(category_class(0x0663) == 'N');  // Arabic-Indic digit three
  CHECK(category_class(U'a') == 0);
  CHECK(category_class(0x3002) == 'P');  // ideographic full stop
  CHECK(is_space(0xA0));
  CHECK(is_space(0x3000));
  CHECK_FALSE(is_space(0x200B));  // zero width space is not whitespace for Python
  CHECK(lower_utf8("ÀÉÎ ΑΒΓ ДЖ ABC") == "àéî αβγ дж abc");
  CHECK(lower_utf8("ΟΔΟΣ") == "οδος");  // final sigma
  const bool split_ok = split(U" a\u3000b\tc ") == std::vector<std::u32string>{U"a", U"b", U"c"};
  CHECK(split_ok);
}
