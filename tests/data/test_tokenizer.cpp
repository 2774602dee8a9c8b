#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "nmt/data/spm.h"
#include "nmt/data/tokenizer.h"
#include "nmt/data/vocab.h"
#include "nmt/data/word_tokenizer.h"
#include "nmt/util/error.h"
#include "tmpdir.h"

using nmt_test::TempDir;

namespace {

// A small Spanish/English-like corpus, repeated so SentencePiece has something to learn.
std::string sample_text(bool english) {
  const char* es[] = {"en el principio creó dios los cielos y la tierra", "y la tierra estaba desordenada y vacía",
                      "y dijo dios sea la luz y fue la luz", "y vio dios que la luz era buena"};
  const char* en[] = {"in the beginning god created the heaven and the earth", "and the earth was without form",
                      "and god said let there be light and there was light", "and god saw the light that it was good"};
  std::string s;
  for (int r = 0; r < 20; ++r)
    for (int i = 0; i < 4; ++i) s += std::string(english ? en[i] : es[i]) + "\n";
  return s;
}

}  // namespace

TEST_CASE("word vocabulary: specials first, then by frequency then symbol, capped", "[tokenizer]") {
  TempDir d("wordvocab");
  auto f = d.file("t.txt", "b a c\nb a\nb d\n");
  auto v = nmt::WordTokenizer::build_vocab({f}, 100);
  REQUIRE(v == std::vector<std::string>{"<pad>", "<unk>", "<s>", "</s>", "b", "a", "c", "d"});
  auto capped = nmt::WordTokenizer::build_vocab({f}, 6);
  REQUIRE(capped == std::vector<std::string>{"<pad>", "<unk>", "<s>", "</s>", "b", "a"});
}

TEST_CASE("word tokenizer: round trip, unknowns, specials skipped", "[tokenizer]") {
  TempDir d("word");
  nmt::TokenizerConfig cfg;
  cfg.type = nmt::TokenizerType::Word;
  cfg.vocab_size = 100;
  nmt::FilePair train{d.file("train.src", "a1 a2 a3\na2 a1\n"), d.file("train.tgt", "a3 a2 a1\na9\n")};
  auto tok = nmt::prepare_tokenizers((d.path / "model").string(), cfg, train);
  REQUIRE(std::filesystem::exists(d.path / "model" / "vocab.txt"));
  REQUIRE(tok.src == tok.tgt);
  REQUIRE(tok.src->vocab_size() == 8);
  auto ids = tok.src->encode("  a2 a1\ta9 ");
  REQUIRE(ids.size() == 3);
  REQUIRE(tok.src->decode(ids) == "a2 a1 a9");
  auto unk = tok.src->encode("a1 zz");
  REQUIRE(unk[1] == nmt::kUnkId);
  std::vector<int32_t> with_specials{int32_t(nmt::kBosId), ids[0], int32_t(nmt::kEosId), int32_t(nmt::kPadId)};
  REQUIRE(tok.src->decode(with_specials) == "a2");
  REQUIRE(tok.src->pieces({ids[0], int32_t(nmt::kEosId)}) == std::vector<std::string>{"a2", "</s>"});

  // Separate vocabularies, loaded again from the directory.
  cfg.joint = false;
  nmt::prepare_tokenizers((d.path / "sep").string(), cfg, train);
  auto sep = nmt::load_tokenizers((d.path / "sep").string(), cfg);
  REQUIRE(sep.src != sep.tgt);
  REQUIRE(sep.src->encode("a9")[0] == nmt::kUnkId);
  REQUIRE(sep.tgt->encode("a9")[0] != nmt::kUnkId);
  REQUIRE(std::filesystem::exists(d.path / "sep" / "vocab.tgt.txt"));
  REQUIRE_THROWS_AS(nmt::load_tokenizers((d.path / "nothing").string(), cfg), nmt::IoError);
}

TEST_CASE("prepare_tokenizers names an unreadable training file", "[tokenizer]") {
  TempDir d("badtrain");
  nmt::TokenizerConfig cfg;
  cfg.type = nmt::TokenizerType::Word;
  nmt::FilePair train{d / "missing.src", d / "missing.tgt"};
  NMT_REQUIRE_THROWS_TYPE_WITH(nmt::prepare_tokenizers((d.path / "m").string(), cfg, train), nmt::DataError,
                         Catch::Matchers::Contains("missing.src"));
}

TEST_CASE("SentencePiece plugin is found next to the build tree", "[tokenizer][spm]") {
  const std::string& p = nmt::spm_plugin_path();
  REQUIRE(std::filesystem::equivalent(p, NMT_SPM_PLUGIN_PATH));
}

TEST_CASE("SentencePiece: train, round trip, unknowns, reproducible", "[tokenizer][spm]") {
  TempDir d("spm");
  nmt::FilePair train{d.file("train.es", sample_text(false)), d.file("train.en", sample_text(true))};
  nmt::TokenizerConfig cfg;
  cfg.vocab_size = 60;
  auto tok = nmt::prepare_tokenizers((d.path / "m1").string(), cfg, train);
  REQUIRE(std::filesystem::exists(d.path / "m1" / "spm.model"));
  REQUIRE(tok.src == tok.tgt);
  REQUIRE(tok.src->vocab_size() > 4);
  REQUIRE(tok.src->vocab_size() <= 60);
  REQUIRE(tok.src->pieces({0, 1, 2, 3}) == std::vector<std::string>{"<pad>", "<unk>", "<s>", "</s>"});

  std::string text = "y dijo dios sea la luz";
  auto ids = tok.src->encode(text);
  REQUIRE(!ids.empty());
  for (int32_t id : ids) REQUIRE(id >= nmt::kNumSpecial);
  REQUIRE(tok.src->decode(ids) == text);
  std::vector<int32_t> framed{int32_t(nmt::kBosId)};
  framed.insert(framed.end(), ids.begin(), ids.end());
  framed.push_back(int32_t(nmt::kEosId));
  framed.push_back(int32_t(nmt::kPadId));
  REQUIRE(tok.src->decode(framed) == text);

  auto unk = tok.src->encode("luz \xE5\xAD\x97");  // a CJK character never seen in training
  REQUIRE(std::find(unk.begin(), unk.end(), int32_t(nmt::kUnkId)) != unk.end());

  // Same data, same config: the same model and ids (deterministic training).
  auto tok2 = nmt::prepare_tokenizers((d.path / "m2").string(), cfg, train);
  REQUIRE(tok2.src->vocab_size() == tok.src->vocab_size());
  REQUIRE(tok2.src->encode("and god said let there be light") == tok.src->encode("and god said let there be light"));

  // BPE, separate models.
  cfg.model_type = nmt::SpmModelType::BPE;
  cfg.joint = false;
  cfg.vocab_size = 50;
  auto bpe = nmt::prepare_tokenizers((d.path / "m3").string(), cfg, train);
  REQUIRE(std::filesystem::exists(d.path / "m3" / "spm.src.model"));
  REQUIRE(std::filesystem::exists(d.path / "m3" / "spm.tgt.model"));
  REQUIRE(bpe.tgt->decode(bpe.tgt->encode("the earth was good")) == "the earth was good");
  REQUIRE_THROWS_AS(nmt::SpmModel((d.path / "nope.model").string()), nmt::IoError);
}
