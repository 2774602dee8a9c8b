#include "nmt/data/text_io.h"

#include "nmt/util/file_io.h"

namespace nmt {

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::string bytes;
  for (const auto& l : lines) bytes.append(l).push_back('\n');
  write_file_atomic(path, bytes);
}

}  // namespace nmt
