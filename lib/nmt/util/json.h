// JSON through nlohmann-json (Debian's nlohmann-json3-dev): metrics logs, training state,
// `nmt score --json`. ordered_json keeps keys in insertion order, so files read naturally.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace nmt {

using Json = nlohmann::ordered_json;

// Parses `text`; a syntax error or a number out of range (1e999) becomes an IoError naming `origin`
// (a file, "path:line", ...).
Json parse_json(const std::string& text, const std::string& origin);

// The whole file parsed. Throws IoError naming the path when it is missing or malformed.
Json read_json_file(const std::string& path);

// j[key] as a number, or `def` when j is not an object or the key is absent, null or not a number.
double json_number(const Json& j, const char* key, double def);

}  // namespace nmt
