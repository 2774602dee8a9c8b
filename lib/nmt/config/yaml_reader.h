// A small YAML reader that knows the dotted path of every node it reads, so every error
// says which key and where: `model.d_model: expected int, got "abc" (t.yaml:7:12)`.
//
// Problems are collected in a shared list rather than thrown one by one, so a user sees
// every mistake in a config at once. The caller throws ConfigError when the list is not empty.
#pragma once
#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace nmt {

// Where each value came from: a file, or a --set override for a given dotted key.
struct YamlSource {
  std::string file;                               // shown as file:line:col
  std::map<std::string, std::string> overrides;   // dotted key → "--set key=value"
  std::vector<std::string> problems;              // collected, formatted errors
};

class Reader {
 public:
  Reader(YAML::Node node, std::string path, std::shared_ptr<YamlSource> src);

  // A required scalar of type T (int, int64_t, double, bool, std::string).
  template <typename T> T req(const std::string& key);
  // An optional scalar with a default.
  template <typename T> T opt(const std::string& key, const T& def);
  // A string that must be one of `choices`.
  std::string choice(const std::string& key, const std::vector<std::string>& choices, const std::string& def);
  std::string req_choice(const std::string& key, const std::vector<std::string>& choices);
  // A nested mapping; missing → an empty reader (its own required keys then report).
  Reader child(const std::string& key, bool required = true);
  bool has(const std::string& key) const;
  // Rejects every key not consumed, listing the valid ones.
  void done();

  // Records a problem about `key` (for cross-field checks), with its location.
  void problem(const std::string& key, const std::string& message);
  const std::string& path() const { return path_; }
  std::string location(const std::string& key) const;  // "(file:line:col)" or "(--set k=v)"
  std::string dotted(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  YamlSource& source() { return *src_; }

 private:
  YAML::Node get(const std::string& key);
  template <typename T> bool convert(const YAML::Node& n, const std::string& key, T* out);

  YAML::Node node_;
  std::string path_;
  std::shared_ptr<YamlSource> src_;
  std::set<std::string> consumed_;
  std::vector<std::string> known_;  // every key asked for, in order: the valid ones
  bool is_map_ = true;
};

// Loads a YAML file; a syntax error becomes a ConfigError naming file:line:col.
YAML::Node load_yaml_file(const std::string& file);

// Applies "dotted.key=value" to `root`, creating maps as needed. The value is parsed as
// YAML (so `3`, `true`, `[a, b]` work). Records the override in `src` for error locations.
// Throws UsageError when the argument has no '=' or crosses a non-map.
void apply_override(YAML::Node& root, const std::string& assignment, YamlSource& src);

}  // namespace nmt
