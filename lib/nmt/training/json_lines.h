// Hand-written flat JSON for metrics.jsonl and train_state.json (no new dependency).
// Values are numbers, strings, booleans or null; objects are flat (no nesting).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace nmt {

// Builds one flat JSON object, keys in insertion order.
class JsonObject {
 public:
  JsonObject& add(const std::string& key, const std::string& value);
  JsonObject& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
  JsonObject& add(const std::string& key, double value);  // non-finite → null
  JsonObject& add(const std::string& key, int64_t value);
  JsonObject& add(const std::string& key, int value) { return add(key, static_cast<int64_t>(value)); }
  JsonObject& add(const std::string& key, bool value);
  std::string str(bool pretty = false) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;  // key → encoded value
};

std::string json_escape(const std::string& s);

// Parses one flat JSON object into key → raw value text (strings unescaped, quotes removed).
// Throws IoError on malformed input.
std::map<std::string, std::string> parse_flat_json(const std::string& text);

// metrics.jsonl: appends one line per record (flushed).
class MetricsLog {
 public:
  MetricsLog() = default;
  // Opens `path` for appending. With keep_up_to_step >= 0, first drops records whose "step"
  // is larger (written after the checkpoint a resumed run continues from).
  void open(const std::string& path, int64_t keep_up_to_step = -1);
  void write(const JsonObject& record);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace nmt
