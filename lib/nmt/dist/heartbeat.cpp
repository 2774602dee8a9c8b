#include "nmt/dist/heartbeat.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cstdint>
#include <sstream>

namespace nmt {
namespace {

std::string key_of(int rank) { return "hb/" + std::to_string(rank); }

std::string join_ranks(const std::vector<int>& ranks) {
  std::string s = ranks.size() == 1 ? "rank " : "ranks ";
  for (size_t i = 0; i < ranks.size(); ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}

}  // namespace

Heartbeat::Heartbeat(c10::intrusive_ptr<c10d::Store> store, int rank) : store_(std::move(store)), rank_(rank) {
  thread_ = std::thread([this] { loop(); });
}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Heartbeat::loop() {
  int64_t beat = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const std::string v = std::to_string(++beat) + " " + std::to_string(step_.load());
    lock.unlock();
    try {
      store_->set(key_of(rank_), std::vector<uint8_t>(v.begin(), v.end()));
    } catch (const std::exception&) {
      // The store is gone (its host stopped): the main thread finds out at its next
      // collective or wait and reports it; the heartbeat just keeps trying.
    }
    lock.lock();
    cv_.wait_for(lock, kInterval, [this] { return stop_; });
  }
}

Beat read_beat(c10d::Store& store, int rank) {
  Beat b;
  const std::string key = key_of(rank);
  if (!store.check({key})) return b;
  auto v = store.get(key);
  std::istringstream in(std::string(v.begin(), v.end()));
  b.present = static_cast<bool>(in >> b.beat >> b.step);
  return b;
}

std::vector<Beat> read_beats(c10d::Store& store, int world) {
  std::vector<Beat> out;
  for (int r = 0; r < world; ++r) out.push_back(read_beat(store, r));
  return out;
}

std::string describe_beats(const std::vector<Beat>& before, const std::vector<Beat>& after, int self) {
  std::vector<int> stopped, never;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int r = 0; r < static_cast<int>(after.size()); ++r) {
    if (r == self) continue;
    if (!after[r].present) never.push_back(r);
    else if (after[r].beat == before[r].beat) stopped.push_back(r);
  }
  std::vector<std::string> parts;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(3 * Heartbeat::kInterval).count();
  if (!stopped.empty())
    parts.push_back(fmt::format("{} stopped (no heartbeat for {} s: the process died, was stopped or lost its network)",
                                join_ranks(stopped), secs));
  if (!never.empty())
    parts.push_back(fmt::format("{} never joined (not started, or started with another MASTER_ADDR/MASTER_PORT)",
                                join_ranks(never)));
  if (!parts.empty()) return parts.size() == 1 ? parts[0] : parts[0] + "; " + parts[1];
  for (const auto& b : after)
    if (b.present) {
      lo = std::min(lo, b.step);
      hi = std::max(hi, b.step);
    }
  if (lo < hi) {
    std::vector<int> behind;
    for (int r = 0; r < static_cast<int>(after.size()); ++r)
      if (after[r].present && after[r].step == lo) behind.push_back(r);
    return fmt::format("{} {} behind, at step {} while others are at step {}", join_ranks(behind),
                       behind.size() == 1 ? "is" : "are", lo, hi);
  }
  return "every rank is alive and at the same step (a network problem, or a rank stuck inside a step)";
}

}  // namespace nmt
