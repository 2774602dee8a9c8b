// A fresh temporary directory per test, removed afterwards; and a file writer.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace nmt_test {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("nmt_data_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name, const std::string& content) const {
    std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

}  // namespace nmt_test

// Checks both the exception type and its message.
#define NMT_REQUIRE_THROWS_TYPE_WITH(expr, type, matcher) \
  do {                                                    \
    REQUIRE_THROWS_AS(expr, type);                        \
    REQUIRE_THROWS_WITH(expr, matcher);                   \
  } while (0)
