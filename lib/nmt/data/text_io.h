// Small helpers for writing line files atomically (data preparation commands).
#pragma once
#include <string>
#include <vector>

namespace nmt {

// Writes one line per element to `path` via a temporary file and rename. Throws IoError.
void write_lines(const std::string& path, const std::vector<std::string>& lines);

}  // namespace nmt
