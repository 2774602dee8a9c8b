#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "nmt/data/corpus.h"
#include "nmt/data/synthetic.h"
#include "nmt/util/error.h"
#include "tmpdir.h"

namespace {

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

int index_of(const std::string& sym) { return std::stoi(sym.substr(1)); }

}  // namespace

TEST_CASE("synthetic tasks: copy copies, reverse reverses, sort sorts", "[synthetic]") {
  nmt::SyntheticOptions opt;
  opt.train = 200;
  opt.dev = 10;
  opt.test = 10;
  opt.min_len = 3;
  opt.max_len = 8;
  opt.vocab = 15;
  for (std::string task : {"copy", "reverse", "sort"}) {
    opt.task = task;
    auto d = nmt::make_synthetic(opt);
    REQUIRE(d.train.size() == 200);
    REQUIRE(d.dev.size() == 10);
    REQUIRE(d.test.size() == 10);
    bool changed = false;
    for (const auto& p : d.train) {
      auto x = words(p.src), y = words(p.tgt);
      REQUIRE(x.size() >= 3);
      REQUIRE(x.size() <= 8);
      for (const auto& s : x) REQUIRE((s[0] == 'a' && index_of(s) >= 0 && index_of(s) < 15));
      auto expect = x;
      if (task == "reverse") std::reverse(expect.begin(), expect.end());
      if (task == "sort")
        std::sort(expect.begin(), expect.end(), [](auto& a, auto& b) { return index_of(a) < index_of(b); });
      REQUIRE(y == expect);
      changed = changed || y != x;
    }
    REQUIRE(changed == (task != "copy"));
  }
}

TEST_CASE("synthetic data is deterministic per seed and written as files", "[synthetic]") {
  nmt_test::TempDir dir("syn");
  nmt::SyntheticOptions opt;
  opt.train = 50;
  opt.dev = 5;
  opt.test = 7;
  auto a = nmt::make_synthetic(opt), b = nmt::make_synthetic(opt);
  REQUIRE(a.train.front().src == b.train.front().src);
  REQUIRE(a.test.back().tgt == b.test.back().tgt);
  opt.seed = 2;
  REQUIRE(nmt::make_synthetic(opt).train.front().src != a.train.front().src);
  nmt::write_synthetic(opt, dir / "out");
  auto test = nmt::read_parallel({dir / "out/test.src", dir / "out/test.tgt"});
  REQUIRE(test.size() == 7);
  REQUIRE(nmt::read_lines(dir / "out/train.src").size() == 50);
  opt.task = "shuffle";
  REQUIRE_THROWS_AS(nmt::make_synthetic(opt), nmt::UsageError);
  opt.task = "copy";
  opt.min_len = 9;
  opt.max_len = 3;
  REQUIRE_THROWS_WITH(nmt::make_synthetic(opt), Catch::Matchers::Contains("min-len"));
}
