// Reads lines from a file descriptor with its own buffer, so the caller can ask whether a
// complete line is available *now* (for streaming: translate what has arrived, don't wait
// for a full batch while the producer is idle, as with `tail -f | nmt translate`).
//
// Lines are split at '\n'; one '\r' before it is dropped (CRLF input), a UTF-8 byte-order mark
// at the very start is dropped, and a last line without '\n' is still a line. NUL bytes and
// lines of any length pass through unchanged: one line out for every line in.
#pragma once
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "nmt/util/utf8.h"

namespace nmt::cli {

class LineReader {
 public:
  // `stop` (optional): when it becomes true — set by a signal handler, which makes a blocked
  // read() return EINTR — the reader ends as if the input had ended.
  explicit LineReader(int fd, const std::atomic<bool>* stop = nullptr) : fd_(fd), stop_(stop) {}

  // Next line without its '\n' (and '\r'). block=false returns false when no complete line
  // is available without waiting. Returns false at end of input (after the last line).
  bool next(std::string* line, bool block) {
    while (true) {
      size_t nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        take(line, nl, nl + 1);
        return true;
      }
      if (eof_) {
        if (first_ && buf_.compare(pos_, std::string::npos, kUtf8Bom) == 0) pos_ = buf_.size();  // only a BOM
        if (pos_ < buf_.size()) {  // last line without a newline
          take(line, buf_.size(), buf_.size());
          return true;
        }
        return false;
      }
      if (!block) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return false;
      }
      fill();
    }
  }
  bool eof() const { return eof_ && pos_ >= buf_.size(); }
  // True when the input ended because `stop` was set (lines not yet read are left unread).
  bool stopped() const { return stopped_; }

 private:
  bool stop_requested() const { return stop_ && stop_->load(); }
  void take(std::string* line, size_t end, size_t next) {
    line->assign(buf_, pos_, end - pos_);
    if (!line->empty() && line->back() == '\r') line->pop_back();
    if (first_) {
      first_ = false;
      if (line->compare(0, kUtf8Bom.size(), kUtf8Bom) == 0) line->erase(0, kUtf8Bom.size());
    }
    pos_ = next;
    if (pos_ > (1 << 16)) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }
  void fill() {
    char tmp[1 << 16];
    ssize_t n;
    while (true) {
      if (stop_requested()) {
        eof_ = stopped_ = true;
        return;
      }
      // With a stop flag, wait in short polls: a signal that lands just before read() would
      // otherwise leave it blocked until more input comes.
      if (stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 200) == 0 || (p.revents == 0)) continue;
      }
      n = ::read(fd_, tmp, sizeof tmp);
      if (n >= 0 || errno != EINTR) break;
    }
    if (n <= 0) eof_ = true;
    else buf_.append(tmp, static_cast<size_t>(n));
  }
  int fd_;
  const std::atomic<bool>* stop_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false, stopped_ = false, first_ = true;
};

}  // namespace nmt::cli
