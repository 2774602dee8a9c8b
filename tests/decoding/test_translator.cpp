// Translator: tokenize, truncate, sort and batch, search, detokenize, restore order.
#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "mock_model.h"
#include "nmt/decoding/translator.h"

using nmt_test::MockModel;

namespace {

// Letters a..h ↔ ids 4..11; anything else (but spaces) is <unk>.
class LetterTokenizer : public nmt::Tokenizer {
 public:
  std::vector<int32_t> encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    for (char c : text) {
      if (c == ' ') continue;
      ids.push_back(c >= 'a' && c <= 'h' ? 4 + (c - 'a') : static_cast<int32_t>(nmt::kUnkId));
    }
    return ids;
  }
  std::string decode(const std::vector<int32_t>& ids) const override {
    std::string s;
    for (int32_t id : ids)
      if (id >= 4) s.push_back(static_cast<char>('a' + id - 4));
      else if (id == nmt::kUnkId) s += "?";
    return s;
  }
  std::vector<std::string> pieces(const std::vector<int32_t>& ids) const override {
    std::vector<std::string> p;
    for (int32_t id : ids) p.push_back(id >= 4 ? std::string(1, static_cast<char>('a' + id - 4)) : "<unk>");
    return p;
  }
  int64_t vocab_size() const override { return 12; }
};

nmt::Tokenizers letters() {
  auto t = std::make_shared<LetterTokenizer>();
  return {t, t};
}

nmt::SearchOptions opts(int64_t beam, int64_t nbest = 1, bool attention = false) {
  nmt::SearchOptions o;
  o.beam_size = beam;
  o.nbest = nbest;
  o.want_attention = attention;
  return o;
}

}  // namespace

TEST_CASE("translator: input order, batching and empty lines", "[decoding][translator]") {
  auto model = std::make_shared<MockModel>();
  const std::vector<std::string> lines{"abc", "", "hgfedcb", "d", "   ", "bad cafe"};
  for (int64_t beam : {1, 3}) {
    nmt::Translator all(model, letters(), opts(beam), /*batch_size=*/2, torch::kCPU, 100);
    nmt::Translator one(model, letters(), opts(beam), /*batch_size=*/1, torch::kCPU, 100);
    auto out = all.translate(lines);
    REQUIRE(out.size() == lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      auto single = one.translate({lines[i]});
      CHECK(out[i].text == single[0].text);
      CHECK(out[i].score == single[0].score);
      CHECK_FALSE(out[i].truncated);
    }
    CHECK(out[1].text.empty());
    CHECK(out[1].tgt_tokens == 0);
    CHECK(out[4].text.empty());
    CHECK(out[0].tgt_tokens == static_cast<int64_t>(out[0].text.size()) + 1);
    CHECK(out[0].text != out[2].text);
  }
}

TEST_CASE("translator: long sources are truncated", "[decoding][translator]") {
  auto model = std::make_shared<MockModel>();
  nmt::Translator tr(model, letters(), opts(2), 4, torch::kCPU, /*max_src_len=*/3);
  auto out = tr.translate({"abcdefg", "abc"});
  CHECK(out[0].truncated);
  CHECK_FALSE(out[1].truncated);
  CHECK(out[0].text == out[1].text);  // only the first 3 tokens were seen
  CHECK(out[0].score == out[1].score);
}

TEST_CASE("translator: n-best, pieces and attention", "[decoding][translator]") {
  auto model = std::make_shared<MockModel>();
  nmt::Translator tr(model, letters(), opts(3, 3, true), 8, torch::kCPU, 100);
  auto out = tr.translate({"abc", "hgfe"});
  for (const auto& t : out) {
    REQUIRE(t.nbest.size() == 3);
    CHECK(t.nbest[0].first == t.text);
    CHECK(t.nbest[0].second == t.score);
    CHECK(t.nbest[1].second <= t.nbest[0].second);
    REQUIRE(t.attention.defined());
    CHECK(t.attention.size(0) == static_cast<int64_t>(t.tgt_pieces.size()));
    CHECK(t.attention.size(1) == static_cast<int64_t>(t.src_pieces.size()));
    CHECK(t.src_pieces.back() == "</s>");
    CHECK(t.tgt_pieces.back() == "</s>");
  }
  CHECK(out[0].src_pieces == std::vector<std::string>{"a", "b", "c", "</s>"});
  tr.options().want_attention = false;
  tr.options().nbest = 1;
  auto plain = tr.translate({"abc"});
  CHECK_FALSE(plain[0].attention.defined());
  CHECK(plain[0].nbest.empty());
  CHECK(plain[0].text == out[0].text);
}
