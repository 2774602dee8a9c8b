// Typed errors thrown by libnmt. Only app/main.cpp catches them and maps them to exit codes.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace nmt {

// Base of every error the library throws on purpose. exit_code(): 1 = runtime error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  virtual int exit_code() const { return 1; }
};

// The user asked for something malformed (bad option, bad config): exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
  int exit_code() const override { return 2; }
};

// One or more config problems, each already formatted as "key: message (file:line:col)".
class ConfigError : public UsageError {
 public:
  explicit ConfigError(std::vector<std::string> problems)
      : UsageError(join(problems)), problems_(std::move(problems)) {}
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  static std::string join(const std::vector<std::string>& p) {
    std::string s;
    for (size_t i = 0; i < p.size(); ++i) s += (i ? "\n" : "") + p[i];
    return s;
  }
  std::vector<std::string> problems_;
};

// Bad input data: a missing file, mismatched line counts, invalid UTF-8. Names file and line.
class DataError : public Error {
 public:
  using Error::Error;
};

// Failure reading or writing files we own (model directories, checkpoints).
class IoError : public Error {
 public:
  using Error::Error;
};

// A command stopped early by SIGINT/SIGTERM after saving or writing what it had done:
// exit code 128 + the signal, as a shell reports a command ended by that signal.
class Interrupted : public Error {
 public:
  Interrupted(const std::string& what, int signal) : Error(what), signal_(signal) {}
  int exit_code() const override { return 128 + signal_; }
  int signal() const { return signal_; }

 private:
  int signal_;
};

}  // namespace nmt
