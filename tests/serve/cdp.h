// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe: headless chromium
// reads NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4.
#pragma once
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <thread>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nmt/util/json.h"

namespace serve_test {

class Chromium {
 public:
  Chromium(const std::filesystem::path& profile, const std::filesystem::path& log) {
    int to_browser[2], from_browser[2];
    REQUIRE(::pipe(to_browser) == 0);
    REQUIRE(::pipe(from_browser) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(to_browser[0], 3);
      ::dup2(from_browser[1], 4);
      for (int fd : {to_browser[0], to_browser[1], from_browser[0], from_browser[1]})
        if (fd > 4) ::close(fd);
      const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, 1);
      ::dup2(out, 2);
      const std::string profile_flag = "--user-data-dir=" + profile.string();
      ::execlp("chromium", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--remote-debugging-pipe", "--window-size=1280,1400", profile_flag.c_str(), "about:blank",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(to_browser[0]);
    ::close(from_browser[1]);
    out_ = to_browser[1];
    in_ = from_browser[0];
  }
  ~Chromium() {
    if (out_ >= 0) {
      try {
        call("Browser.close", {}, "", 5);
      } catch (...) {
      }
      ::close(out_);
    }
    if (in_ >= 0) ::close(in_);
    for (int i = 0; i < 100 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Chromium(const Chromium&) = delete;
  Chromium& operator=(const Chromium&) = delete;

  // Sends a command and returns its "result"; throws on a protocol error or a timeout.
  nmt::Json call(const std::string& method, const nmt::Json& params = nmt::Json::object(),
                      const std::string& session = "", int timeout_s = 60) {
    const int id = ++next_id_;
    nmt::Json msg{{"id", id}, {"method", method}, {"params", params}};
    if (!session.empty()) msg["sessionId"] = session;
    const std::string text = msg.dump() + '\0';
    for (size_t off = 0; off < text.size();) {
      const ssize_t n = ::write(out_, text.data() + off, text.size() - off);
      if (n <= 0) throw std::runtime_error("chromium closed its DevTools pipe");
      off += static_cast<size_t>(n);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    for (;;) {
      for (size_t nul; (nul = buf_.find('\0')) != std::string::npos;) {
        auto reply = nmt::Json::parse(buf_.substr(0, nul), nullptr, false);
        buf_.erase(0, nul + 1);
        if (!reply.is_object() || !reply.contains("id") || reply["id"] != id) continue;  // events
        if (reply.contains("error")) throw std::runtime_error(method + ": " + reply["error"].dump());
        return reply["result"];
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw std::runtime_error(method + ": no reply from chromium");
      pollfd p{in_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      const ssize_t n = ::read(in_, chunk, sizeof chunk);
      if (n <= 0) throw std::runtime_error("chromium exited (DevTools pipe closed)");
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

  // Opens `url` in a new tab and returns the session to drive it.
  std::string open(const std::string& url) {
    const std::string target = call("Target.createTarget", {{"url", url}})["targetId"];
    return call("Target.attachToTarget", {{"targetId", target}, {"flatten", true}})["sessionId"];
  }

  // Evaluates a JavaScript expression in the page; returns its value.
  nmt::Json eval(const std::string& session, const std::string& expression) {
    auto r = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}}, session);
    if (r.contains("exceptionDetails")) throw std::runtime_error("page error: " + r["exceptionDetails"].dump());
    return r["result"].contains("value") ? r["result"]["value"] : nmt::Json();
  }

  // Polls `expression` until it is true; false after `seconds`.
  // `expression` must not throw while the page is still loading (use document.body?.x).
  bool wait_until(const std::string& session, const std::string& expression, int seconds = 60) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (eval(session, expression) == true) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1, in_ = -1;
  int next_id_ = 0;
  std::string buf_;
};

// Standard base64 (for Page.captureScreenshot's PNG).
inline std::string base64_decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, acc = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) continue;
    acc = ((acc << 6) | v) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace serve_test
