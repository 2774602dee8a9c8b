// Runs `nmt serve` as a child process on a free port (--port 0, read back from its log) and
// talks to it with cpp-httplib's client.
#pragma once
#include <catch2/catch.hpp>
#include <httplib.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <sys/wait.h>
#include <unistd.h>

#include "nmt/util/json.h"

namespace serve_test {

namespace fs = std::filesystem;
using json = nmt::Json;

inline std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class ServeProcess {
 public:
  // `args` follow `nmt serve` (shell syntax); the log goes to a file next to the test's data.
  explicit ServeProcess(const std::string& args, const fs::path& log_dir = fs::temp_directory_path()) {
    static int count = 0;
    log_ = log_dir / ("serve." + std::to_string(::getpid()) + "." + std::to_string(++count) + ".log");
    const std::string cmd = std::string("exec '") + NMT_BINARY + "' --log-level debug serve --port 0 " + args +
                            " >'" + log_.string() + "' 2>&1 </dev/null";
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    const std::regex listening("listening on http://[^:]+:([0-9]+)");
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      const std::string text = read_text(log_);
      if (std::regex_search(text, m, listening)) {
        port_ = std::stoi(m[1]);
        return;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return;  // did not start: exit_code() and log() say why
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("nmt serve did not start within 120 s:\n" << log());
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  bool running() const { return pid_ > 0 && port_ > 0; }
  int port() const { return port_; }
  std::string log() const { return read_text(log_); }
  int exit_code() const { return exit_code_; }

  // SIGTERM, then the exit code (or -1 if it did not exit within `seconds`).
  int terminate(int seconds = 60) {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGTERM);
    return wait(seconds);
  }
  int wait(int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120, 0);
    c.set_connection_timeout(10, 0);
    c.set_url_encode(false);  // paths go out as written, as curl and browsers send them ("+" stays "+")
    return c;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
  fs::path log_;
};

struct Reply {
  int status = 0;
  json body;
  std::string raw;
  std::string content_type;
};

inline Reply reply_of(const httplib::Result& r) {
  Reply out;
  REQUIRE(r);  // a transport error (connection refused, timeout) fails the test here
  out.status = r->status;
  out.raw = r->body;
  out.content_type = r->get_header_value("Content-Type");
  out.body = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  return out;
}

inline Reply post(const ServeProcess& s, const std::string& path, const std::string& body,
                  const std::string& type = "application/json") {
  auto c = s.client();
  return reply_of(c.Post(path.c_str(), body, type.c_str()));
}

inline Reply get(const ServeProcess& s, const std::string& path) {
  auto c = s.client();
  return reply_of(c.Get(path.c_str()));
}

}  // namespace serve_test
