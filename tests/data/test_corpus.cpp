#include <catch2/catch.hpp>

#include "nmt/data/corpus.h"
#include "nmt/data/vocab.h"
#include "nmt/data/word_tokenizer.h"
#include "nmt/util/error.h"
#include "tmpdir.h"

using nmt_test::TempDir;

TEST_CASE("read_lines reads lines, strips CR, keeps empty lines", "[corpus]") {
  TempDir d("lines");
  auto p = d.file("a.txt", "one\r\n\ntwo three\nlast");
  auto lines = nmt::read_lines(p);
  REQUIRE(lines == std::vector<std::string>{"one", "", "two three", "last"});
  REQUIRE(nmt::read_lines(d.file("e.txt", "")).empty());
  REQUIRE(nmt::read_lines(d.file("n.txt", "x\n")).size() == 1);
}

TEST_CASE("read_lines names a missing file", "[corpus]") {
  TempDir d("missing");
  NMT_REQUIRE_THROWS_TYPE_WITH(nmt::read_lines(d / "nope.src"), nmt::DataError,
                         Catch::Matchers::Contains("file not found") && Catch::Matchers::Contains("nope.src"));
  NMT_REQUIRE_THROWS_TYPE_WITH(nmt::read_lines(d.path.string()), nmt::DataError, Catch::Matchers::Contains("not a file"));
}

TEST_CASE("read_lines reports invalid UTF-8 with file:line", "[corpus]") {
  TempDir d("utf8");
  auto ok = d.file("ok.txt", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\n");
  REQUIRE(nmt::read_lines(ok).size() == 1);
  auto bad = d.file("bad.txt", "fine\nalso fine\nbro\xC3ken\n");
  NMT_REQUIRE_THROWS_TYPE_WITH(nmt::read_lines(bad), nmt::DataError,
                         Catch::Matchers::EndsWith("bad.txt:3: invalid UTF-8 at byte 4"));
  auto overlong = d.file("over.txt", "\xC0\xAF\n");
  NMT_REQUIRE_THROWS_TYPE_WITH(nmt::read_lines(overlong), nmt::DataError, Catch::Matchers::Contains("over.txt:1:"));
  auto surrogate = d.file("sur.txt", "ok\n\xED\xA0\x80\n");
  NMT_REQUIRE_THROWS_TYPE_WITH(nmt::read_lines(surrogate), nmt::DataError, Catch::Matchers::Contains("sur.txt:2:"));
}

TEST_CASE("read_parallel reports a line count mismatch naming both files", "[corpus]") {
  TempDir d("mismatch");
  std::string s, t;
  for (int i = 0; i < 10; ++i) s += "x\n";
  for (int i = 0; i < 9; ++i) t += "y\n";
  nmt::FilePair fp{d.file("a.src", s), d.file("a.tgt", t)};
  NMT_REQUIRE_THROWS_TYPE_WITH(nmt::read_parallel(fp), nmt::DataError,
                         Catch::Matchers::StartsWith("line count mismatch: a.src has 10 lines, a.tgt has 9"));
  nmt::FilePair good{d.file("b.src", "a b\nc\n"), d.file("b.tgt", "d\ne f\n")};
  auto text = nmt::read_parallel(good);
  REQUIRE(text.size() == 2);
  REQUIRE(text.tgt[1] == "e f");
  nmt::FilePair missing{d.file("c.src", "a\n"), d / "c.tgt"};
  NMT_REQUIRE_THROWS_TYPE_WITH(nmt::read_parallel(missing), nmt::DataError, Catch::Matchers::Contains("c.tgt"));
}

TEST_CASE("encode_corpus filters empty, long and unbalanced pairs and counts them", "[corpus]") {
  auto tok = std::make_shared<nmt::WordTokenizer>(
      std::vector<std::string>{"<pad>", "<unk>", "<s>", "</s>", "a", "b", "c"});
  nmt::Tokenizers t{tok, tok};
  nmt::ParallelText text;
  text.src = {"a b", "", "a a a a a a", "a", "a b c", "c"};
  text.tgt = {"b a", "a", "b", "a b c d", "c b", "   "};
  nmt::CorpusStats st;
  auto enc = nmt::encode_corpus(text, t, /*filter=*/true, /*max_len=*/5, /*max_ratio=*/3.0, &st);
  REQUIRE(st.read == 6);
  REQUIRE(st.skipped_empty == 2);  // "" and "   "
  REQUIRE(st.skipped_long == 1);   // 6 tokens > 5
  REQUIRE(st.skipped_ratio == 1);  // 1 vs 4
  REQUIRE(st.kept == 2);
  REQUIRE(enc.size() == 2);
  REQUIRE(enc.index(0) == 0);
  REQUIRE(enc.index(1) == 4);
  REQUIRE(enc.src_len(1) == 3);
  REQUIRE(enc.tgt_len(1) == 2);
  REQUIRE(enc.src(1)[2] == 6);  // "c"
  REQUIRE(enc.tgt(0)[0] == 5);  // "b"
  REQUIRE(enc.total_tgt_tokens() == 4);

  auto all = nmt::encode_corpus(text, t, /*filter=*/false, 5, 3.0, &st);
  REQUIRE(all.size() == 6);
  REQUIRE(st.kept == 6);
  REQUIRE(all.src_len(1) == 0);
  REQUIRE(all.tgt(3)[3] == nmt::kUnkId);  // "d" is unknown
}

TEST_CASE("split_lines drops a leading BOM, one CR per line, and counts an unterminated last line", "[corpus]") {
  using V = std::vector<std::string>;
  CHECK(nmt::split_lines("\xEF\xBB\xBF" "a\r\nb\n\nc", "f") == V{"a", "b", "", "c"});
  CHECK(nmt::split_lines("\xEF\xBB\xBF", "f").empty());
  CHECK(nmt::split_lines("a\r\r\n\xEF\xBB\xBFz\n", "f") == V{"a\r", "\xEF\xBB\xBFz"});  // only at the very start
  CHECK(nmt::split_lines(std::string("x\0y\n", 4), "f") == V{std::string("x\0y", 3)});
  CHECK(nmt::split_lines("", "f").empty());
}
