// Synthetic copy / reverse / sort tasks.
#include "nmt/data/synthetic.h"

#include <algorithm>
#include <filesystem>
#include <random>

#include "nmt/data/text_io.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

uint64_t below(std::mt19937_64& rng, uint64_t n) {  // uniform in [0, n), portable
  uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
  do x = rng(); while (x >= limit);
  return x % n;
}

std::string join(const std::vector<int64_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ' ';
    s += 'a';
    s += std::to_string(ids[i]);
  }
  return s;
}

std::vector<SyntheticPair> make_split(const SyntheticOptions& opt, int64_t n, std::mt19937_64& rng) {
  std::vector<SyntheticPair> out;
  out.reserve(static_cast<size_t>(n));
  const uint64_t span = static_cast<uint64_t>(opt.max_len - opt.min_len + 1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t len = opt.min_len + static_cast<int64_t>(below(rng, span));
    std::vector<int64_t> x(static_cast<size_t>(len));
    for (auto& v : x) v = static_cast<int64_t>(below(rng, static_cast<uint64_t>(opt.vocab)));
    std::vector<int64_t> y = x;
    if (opt.task == "reverse") std::reverse(y.begin(), y.end());
    else if (opt.task == "sort") std::sort(y.begin(), y.end());
    out.push_back({join(x), join(y)});
  }
  return out;
}

}  // namespace

void check_synthetic_options(const SyntheticOptions& opt) {
  if (opt.task != "copy" && opt.task != "reverse" && opt.task != "sort")
    throw UsageError("unknown synthetic task '" + opt.task + "' (expected copy, reverse or sort)");
  if (opt.train < 0 || opt.dev < 0 || opt.test < 0) throw UsageError("split sizes must not be negative");
  if (opt.min_len < 1 || opt.max_len < opt.min_len)
    throw UsageError("need 1 <= min-len <= max-len, got min-len " + std::to_string(opt.min_len) + ", max-len " +
                     std::to_string(opt.max_len));
  if (opt.vocab < 1) throw UsageError("vocab must be at least 1, got " + std::to_string(opt.vocab));
}

SyntheticData make_synthetic(const SyntheticOptions& opt) {
  check_synthetic_options(opt);
  std::mt19937_64 rng(opt.seed);
  SyntheticData d;
  d.train = make_split(opt, opt.train, rng);
  d.dev = make_split(opt, opt.dev, rng);
  d.test = make_split(opt, opt.test, rng);
  return d;
}

void write_synthetic(const SyntheticOptions& opt, const std::string& out_dir) {
  SyntheticData d = make_synthetic(opt);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw IoError("cannot create directory " + out_dir + ": " + ec.message());
  const std::pair<const char*, const std::vector<SyntheticPair>*> splits[] = {
      {"train", &d.train}, {"dev", &d.dev}, {"test", &d.test}};
  for (const auto& [name, pairs] : splits) {
    std::vector<std::string> src, tgt;
    for (const auto& p : *pairs) {
      src.push_back(p.src);
      tgt.push_back(p.tgt);
    }
    std::string base = (std::filesystem::path(out_dir) / name).string();
    write_lines(base + ".src", src);
    write_lines(base + ".tgt", tgt);
  }
  spdlog::info("wrote synthetic '{}' task to {}: {} train, {} dev, {} test pairs", opt.task, out_dir,
               d.train.size(), d.dev.size(), d.test.size());
}

}  // namespace nmt
