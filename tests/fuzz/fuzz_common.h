// Shared bits of the fuzz targets. Each target states its contract in a comment at the top
// and enforces it with fuzz_check(): a violated contract aborts, which libFuzzer reports as
// a crash and saves as a reproducer. An nmt::Error is the expected answer to bad input; any
// other exception escaping the library is a bug (the user would see no file, key or line).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "nmt/util/error.h"

namespace nmt_fuzz {

[[noreturn]] inline void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz contract violated: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

inline void fuzz_check(bool ok, const char* what, const std::string& detail = "") {
  if (!ok) fail(what, detail);
}

// Runs f(); an nmt::Error is fine (bad input, clearly reported), anything else is a bug.
template <typename F>
bool expect_nmt_errors_only(F&& f, std::string* message = nullptr) {
  try {
    f();
    return true;
  } catch (const nmt::Error& e) {
    if (message) *message = e.what();
    fuzz_check(std::string_view(e.what()).size() > 0, "an nmt::Error without a message");
    return false;
  } catch (const std::exception& e) {
    fail("an exception that is not an nmt::Error escaped", e.what());
  }
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace nmt_fuzz
