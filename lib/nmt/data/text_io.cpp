#include "nmt/data/text_io.h"

#include <cstdio>
#include <fstream>

#include "nmt/util/error.h"

namespace nmt {

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("cannot write " + tmp);
    for (const auto& l : lines) out << l << '\n';
    out.flush();
    if (!out) throw IoError("error writing " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw IoError("cannot rename " + tmp + " to " + path);
}

}  // namespace nmt
