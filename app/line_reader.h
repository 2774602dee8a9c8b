// Reads lines from a file descriptor with its own buffer, so the caller can ask whether a
// complete line is available *now* (for streaming: translate what has arrived, don't wait
// for a full batch while the producer is idle, as with `tail -f | nmt translate`).
#pragma once
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace nmt::cli {

class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}

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

 private:
  void take(std::string* line, size_t end, size_t next) {
    line->assign(buf_, pos_, end - pos_);
    if (!line->empty() && line->back() == '\r') line->pop_back();
    pos_ = next;
    if (pos_ > (1 << 16)) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }
  void fill() {
    char tmp[1 << 16];
    ssize_t n;
    do {
      n = ::read(fd_, tmp, sizeof tmp);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) eof_ = true;
    else buf_.append(tmp, static_cast<size_t>(n));
  }
  int fd_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
};

}  // namespace nmt::cli
