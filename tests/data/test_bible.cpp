#include <catch2/catch.hpp>

#include "nmt/data/bible.h"

namespace {

const char* kFakeKjv =
    "Genesis 1:1: In the beginning God created the heaven and the earth.\n"
    "Genesis 1:2: ¶ And the earth was without form, and void;\n"
    "and darkness was upon the face of the deep.  \n"
    "\n"
    "A Psalm of David, when he fled.\n"
    "   Psalms 3:1: LORD, how are they increased <H7231> that trouble me! \n"
    "\n"
    "A Psalm of David, when he fled.\n"
    "   Psalms 3:2: Many there be \\nd which say of my soul [but] none.\n"
    "I John 2:23: Whosoever denieth the Son .\n"
    "Numbers 12:16:\n"
    "(engKJV2006eb)\n";

std::vector<nmt::Verse> fake(int n, const std::string& prefix) {
  std::vector<nmt::Verse> v;
  for (int i = 0; i < n; ++i) v.push_back({"Book", 1 + i / 100, 1 + i % 100, prefix + " " + std::to_string(i)});
  return v;
}

}  // namespace

TEST_CASE("parse_diatheke: keys, multi-line verses, headings, trailer", "[bible]") {
  auto v = nmt::parse_diatheke(kFakeKjv);
  REQUIRE(v.size() == 6);
  REQUIRE(v[0].book == "Genesis");
  REQUIRE(v[0].chapter == 1);
  REQUIRE(v[0].verse == 1);
  REQUIRE(v[1].text == "¶ And the earth was without form, and void; and darkness was upon the face of the deep.");
  REQUIRE(v[2].book == "Psalms");
  REQUIRE(v[2].verse == 1);
  REQUIRE(v[2].text.find("Psalm of David") == std::string::npos);  // the heading is dropped
  REQUIRE(v[4].book == "I John");
  REQUIRE(v[4].chapter == 2);
  REQUIRE(v[4].verse == 23);
  REQUIRE(v[5].book == "Numbers");
  REQUIRE(v[5].text.empty());
}

TEST_CASE("clean_verse strips markup and normalizes whitespace", "[bible]") {
  REQUIRE(nmt::clean_verse("¶ And God said,  Let there be light:\tand") == "And God said, Let there be light: and");
  REQUIRE(nmt::clean_verse("que hay vida <H2416>, toda hierba") == "que hay vida, toda hierba");
  REQUIRE(nmt::clean_verse("comerás <H0398>;") == "comerás;");
  REQUIRE(nmt::clean_verse("by my name \\nd JEHOVAH was") == "by my name JEHOVAH was");
  REQUIRE(nmt::clean_verse("the Father: [but] he") == "the Father: but he");
  REQUIRE(nmt::clean_verse("  ¶  ").empty());
  REQUIRE(nmt::clean_verse("¿Conque <H3588> Dios?") == "¿Conque Dios?");
}

TEST_CASE("split_bible: aligned pairs, empty sides dropped, k%50 split", "[bible]") {
  auto es = fake(210, "es");
  auto en = fake(210, "en");
  es[3].text = "  ";  // empty source: dropped before counting k
  en[7].text = "¶";   // empty target after cleaning
  en.erase(en.begin() + 20);  // missing in the target module
  auto s = nmt::split_bible(es, en);
  REQUIRE(s.dropped == 3);
  REQUIRE(s.pairs == 207);
  // k = 0..206: 17, 67, 117, 167 test; 33, 83, 133, 183 dev; 41, 91, 141, 191 held out.
  REQUIRE(s.test_src.size() == 4);
  REQUIRE(s.dev_src.size() == 4);
  REQUIRE(s.held_out == 4);
  REQUIRE(s.train_src.size() == 207 - 12);
  REQUIRE(s.train_src.size() == s.train_tgt.size());
  // k=17 is verse index 19 (indices 3 and 7 were dropped before it).
  REQUIRE(s.test_src[0] == "es 19");
  REQUIRE(s.test_tgt[0] == "en 19");
  REQUIRE(s.dev_src[0] == "es 36");  // k=33: one more drop (index 20) before it
  for (size_t i = 0; i < s.train_src.size(); ++i)
    REQUIRE(s.train_src[i].substr(3) == s.train_tgt[i].substr(3));

  auto again = nmt::split_bible(es, en);
  REQUIRE(again.train_src == s.train_src);
  REQUIRE(again.test_tgt == s.test_tgt);
}
