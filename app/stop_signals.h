// Ctrl-C and SIGTERM as a request to stop, for commands that finish what they are doing first
// (train saves a checkpoint, translate writes what it has translated, serve answers the
// requests in flight). The first signal sets the flag; a second ends the process at once, as
// that signal would. While installed, SIGXFSZ is ignored: over a file size limit (ulimit -f)
// a write fails with EFBIG and the command names the file, instead of being killed.
#pragma once
#include <atomic>
#include <csignal>

namespace nmt::cli {

class StopSignals {
 public:
  // Clears the flag and installs the handlers (without SA_RESTART: a blocked read() returns EINTR).
  StopSignals();
  // Restores the handlers that were there before.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Set by the first SIGINT or SIGTERM; signal() is that signal's number (0 before).
  static std::atomic<bool>& flag();
  static int signal();

 private:
  struct sigaction old_int_ {}, old_term_ {}, old_xfsz_ {};
};

}  // namespace nmt::cli
