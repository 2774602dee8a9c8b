#include "nmt/training/step_checkpoints.h"

#include <algorithm>
#include <filesystem>

#include "nmt/util/error.h"

namespace nmt {
namespace fs = std::filesystem;

namespace {

// step-<digits>.pt → its step; -1 otherwise.
int64_t parse_step(const std::string& name) {
  const std::string head = "step-", tail = ".pt";
  if (name.size() <= head.size() + tail.size() || name.compare(0, head.size(), head) != 0 ||
      name.compare(name.size() - tail.size(), tail.size(), tail) != 0)
    return -1;
  const std::string digits = name.substr(head.size(), name.size() - head.size() - tail.size());
  if (digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stoll(digits);
}

}  // namespace

std::string step_checkpoint_path(const std::string& dir, int64_t step) {
  return (fs::path(dir) / ("step-" + std::to_string(step) + ".pt")).string();
}

std::vector<StepCheckpoint> list_step_checkpoints(const std::string& dir) {
  std::vector<StepCheckpoint> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const int64_t step = parse_step(it->path().filename().string());
    if (step >= 0) out.push_back({step, it->path().string()});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
  return out;
}

void prune_step_checkpoints(const std::string& dir, int64_t keep, int64_t max_step) {
  std::vector<StepCheckpoint> doomed, kept;
  for (auto& c : list_step_checkpoints(dir)) (c.step > max_step ? doomed : kept).push_back(c);
  if (keep > 0)
    for (size_t i = 0; i + static_cast<size_t>(keep) < kept.size(); ++i) doomed.push_back(kept[i]);
  for (const auto& c : doomed) {
    std::error_code ec;
    fs::remove(c.path, ec);
    if (ec) throw IoError("cannot remove old step checkpoint " + c.path + ": " + ec.message());
  }
}

}  // namespace nmt
