// Liveness of the ranks of a job, through the c10d store: every rank's background thread
// writes "hb/<rank>" = "<beat> <step>" once a second. A rank whose beat stops advancing has
// died, been stopped or lost its network; a rank whose step is lower than the others' is
// stuck before a collective. Internal to nmt/dist (it names c10d types).
#pragma once
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nmt {

struct Beat {
  bool present = false;  // the rank has written a heartbeat at least once
  int64_t beat = 0;      // increases once per interval while the rank's process runs
  int64_t step = 0;      // the step the rank reported (set_progress)
};

class Heartbeat {
 public:
  static constexpr std::chrono::milliseconds kInterval{1000};
  // Starts the thread; `store` must be a connection of its own (the thread uses it alone).
  Heartbeat(c10::intrusive_ptr<c10d::Store> store, int rank);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;
  void set_progress(int64_t step) { step_.store(step); }

 private:
  void loop();
  c10::intrusive_ptr<c10d::Store> store_;
  int rank_;
  std::atomic<int64_t> step_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// One rank's latest heartbeat (never blocks on a missing key). Throws when the store is gone.
Beat read_beat(c10d::Store& store, int rank);
std::vector<Beat> read_beats(c10d::Store& store, int world);

// A sentence naming the ranks that stopped (same beat in `before` and `after`), never joined
// or are behind, as seen by rank `self`.
std::string describe_beats(const std::vector<Beat>& before, const std::vector<Beat>& after, int self);

}  // namespace nmt
