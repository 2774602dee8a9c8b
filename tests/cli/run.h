// Runs the nmt binary in a shell and captures exit code and combined output.
#pragma once
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace nmt_test {

struct RunResult {
  int code = -1;
  std::string out;  // stdout + stderr
};

inline RunResult run_nmt(const std::string& args, const std::string& stdin_text = "") {
  std::string cmd = std::string("cd '") + NMT_SOURCE_DIR + "' && ";
  if (!stdin_text.empty()) cmd += "printf '%s' '" + stdin_text + "' | ";
  cmd += std::string("'") + NMT_BINARY + "' " + args + " 2>&1";
  if (stdin_text.empty()) cmd += " </dev/null";
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The whole file as text; "" when it cannot be read (a missing log is an empty one).
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace nmt_test
