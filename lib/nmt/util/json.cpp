#include "nmt/util/json.h"

#include "nmt/util/error.h"
#include "nmt/util/file_io.h"

namespace nmt {

Json parse_json(const std::string& text, const std::string& origin) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number too large (1e999)
    throw IoError(origin + ": malformed JSON: " + e.what());
  }
}

Json read_json_file(const std::string& path) { return parse_json(read_file(path), path); }

double json_number(const Json& j, const char* key, double def) {
  if (!j.is_object()) return def;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return def;
  return it->get<double>();
}

}  // namespace nmt
