#include "nmt/config/yaml_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "nmt/util/error.h"

namespace nmt {

Reader::Reader(YAML::Node node, std::string path, std::shared_ptr<YamlSource> src)
    : node_(std::move(node)), path_(std::move(path)), src_(std::move(src)) {
  if (node_ && !node_.IsNull() && !node_.IsMap()) {
    is_map_ = false;
    src_->problems.push_back((path_.empty() ? std::string("config") : path_) +
                             ": expected a mapping of keys" + location(""));
  }
}

std::string Reader::location(const std::string& key) const {
  std::string full = key.empty() ? path_ : dotted(key);
  // An override on this key or on one of its parents.
  for (const auto& [k, text] : src_->overrides) {
    if (full == k || full.rfind(k + ".", 0) == 0) return " (" + text + ")";
  }
  YAML::Mark m = node_.Mark();
  if (!key.empty() && is_map_ && node_ && node_.IsMap()) {
    const YAML::Node& cn = node_;
    const YAML::Node n = cn[key];  // const lookup: a missing key gives an invalid node
    if (n) m = n.Mark();
  }
  if (m.line < 0) return src_->file.empty() ? "" : " (" + src_->file + ")";
  return " (" + src_->file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ")";
}

void Reader::problem(const std::string& key, const std::string& message) {
  src_->problems.push_back(dotted(key) + ": " + message + location(key));
}

bool Reader::has(const std::string& key) const {
  if (!is_map_ || !node_ || !node_.IsMap()) return false;
  const YAML::Node& cn = node_;
  return static_cast<bool>(cn[key]) && !cn[key].IsNull();
}

YAML::Node Reader::get(const std::string& key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  consumed_.insert(key);
  if (!is_map_ || !node_ || !node_.IsMap()) return YAML::Node();
  const YAML::Node& cn = node_;  // const access: never inserts keys
  return cn[key];
}

static std::string scalar_text(const YAML::Node& n) {
  if (n.IsScalar()) return "\"" + n.Scalar() + "\"";
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  return "nothing";
}

template <>
bool Reader::convert<std::string>(const YAML::Node& n, const std::string& key, std::string* out) {
  if (!n.IsScalar()) {
    problem(key, "expected string, got " + scalar_text(n));
    return false;
  }
  *out = n.Scalar();
  return true;
}

template <>
bool Reader::convert<int64_t>(const YAML::Node& n, const std::string& key, int64_t* out) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end && *end == '\0' && errno == 0) {
      *out = v;
      return true;
    }
  }
  problem(key, "expected int, got " + scalar_text(n));
  return false;
}

template <>
bool Reader::convert<int>(const YAML::Node& n, const std::string& key, int* out) {
  int64_t v = 0;
  if (!convert<int64_t>(n, key, &v)) return false;
  if (v < INT32_MIN || v > INT32_MAX) {
    problem(key, "integer out of range: " + n.Scalar());
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

template <>
bool Reader::convert<double>(const YAML::Node& n, const std::string& key, double* out) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0' && std::isfinite(v)) {
      *out = v;
      return true;
    }
  }
  problem(key, "expected number, got " + scalar_text(n));
  return false;
}

template <>
bool Reader::convert<bool>(const YAML::Node& n, const std::string& key, bool* out) {
  if (n.IsScalar()) {
    std::string s = n.Scalar();
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (s == "true" || s == "yes" || s == "on") { *out = true; return true; }
    if (s == "false" || s == "no" || s == "off") { *out = false; return true; }
  }
  problem(key, "expected true or false, got " + scalar_text(n));
  return false;
}

template <typename T>
T Reader::req(const std::string& key) {
  YAML::Node n = get(key);
  T v{};
  if (!n || n.IsNull()) {
    problem(key, "required key is missing");
    return v;
  }
  convert<T>(n, key, &v);
  return v;
}

template <typename T>
T Reader::opt(const std::string& key, const T& def) {
  YAML::Node n = get(key);
  if (!n || n.IsNull()) return def;
  T v = def;
  if (!convert<T>(n, key, &v)) return def;
  return v;
}

template int Reader::req<int>(const std::string&);
template int64_t Reader::req<int64_t>(const std::string&);
template double Reader::req<double>(const std::string&);
template bool Reader::req<bool>(const std::string&);
template std::string Reader::req<std::string>(const std::string&);
template int Reader::opt<int>(const std::string&, const int&);
template int64_t Reader::opt<int64_t>(const std::string&, const int64_t&);
template double Reader::opt<double>(const std::string&, const double&);
template bool Reader::opt<bool>(const std::string&, const bool&);
template std::string Reader::opt<std::string>(const std::string&, const std::string&);

static std::string join_choices(const std::vector<std::string>& c) {
  std::string s;
  for (size_t i = 0; i < c.size(); ++i) s += (i ? "|" : "") + c[i];
  return s;
}

std::string Reader::choice(const std::string& key, const std::vector<std::string>& choices,
                           const std::string& def) {
  std::string v = opt<std::string>(key, def);
  if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
    problem(key, "expected one of " + join_choices(choices) + ", got \"" + v + "\"");
    return def;
  }
  return v;
}

std::string Reader::req_choice(const std::string& key, const std::vector<std::string>& choices) {
  bool present = has(key);
  std::string v = req<std::string>(key);
  if (present && std::find(choices.begin(), choices.end(), v) == choices.end()) {
    problem(key, "expected one of " + join_choices(choices) + ", got \"" + v + "\"");
    return "";
  }
  return v;
}

Reader Reader::child(const std::string& key, bool required) {
  YAML::Node n = get(key);
  if ((!n || n.IsNull()) && required) problem(key, "required section is missing");
  return Reader((n && !n.IsNull()) ? n : YAML::Node(), dotted(key), src_);
}

void Reader::done() {
  if (!is_map_ || !node_ || !node_.IsMap()) return;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) {  // e.g. "? [a, b]": a list or mapping used as a key
      const YAML::Mark m = it->first.Mark();
      src_->problems.push_back((path_.empty() ? std::string("config") : path_) + ": a key must be a plain name, not " +
                               scalar_text(it->first) + " (" + src_->file + ":" + std::to_string(m.line + 1) + ":" +
                               std::to_string(m.column + 1) + ")");
      continue;
    }
    std::string k = it->first.Scalar();
    if (consumed_.count(k)) continue;
    std::string valid;
    for (size_t i = 0; i < known_.size(); ++i) valid += (i ? ", " : "") + known_[i];
    YAML::Mark m = it->first.Mark();
    std::string loc;
    auto ov = src_->overrides.find(dotted(k));
    if (ov != src_->overrides.end()) loc = " (" + ov->second + ")";
    else if (m.line >= 0) loc = " (" + src_->file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ")";
    src_->problems.push_back(dotted(k) + ": unknown key; valid keys" +
                             (path_.empty() ? "" : " under " + path_) + ": " + valid + loc);
  }
}

YAML::Node load_yaml_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError({file + ": cannot open config file"});
  try {
    YAML::Node n = YAML::Load(in);
    if (n.IsNull()) throw ConfigError({file + ": config file is empty"});
    if (!n.IsMap()) throw ConfigError({file + ": expected a mapping of sections at the top level"});
    return n;
  } catch (const YAML::ParserException& e) {
    throw ConfigError({file + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg});
  }
}

void apply_override(YAML::Node& root, const std::string& assignment, YamlSource& src) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError("--set " + assignment + ": expected dotted.key=value");
  std::string key = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  YAML::Node parsed;
  try {
    parsed = YAML::Load(value);
  } catch (const YAML::ParserException& e) {
    throw UsageError("--set " + assignment + ": cannot parse value: " + e.msg);
  }
  if (parsed.IsNull() && !value.empty() && value != "null" && value != "~") parsed = YAML::Node(value);
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (auto& p : parts)
    if (p.empty()) throw UsageError("--set " + assignment + ": empty key component");
  // Walk with node identity (YAML::Node assignment rebinds, so keep a chain of nodes).
  std::vector<YAML::Node> chain{root};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node cur = chain.back();
    YAML::Node next = cur[parts[i]];
    if (!next || next.IsNull()) {
      cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next = cur[parts[i]];
    } else if (!next.IsMap()) {
      std::string sofar;
      for (size_t j = 0; j <= i; ++j) sofar += (j ? "." : "") + parts[j];
      throw UsageError("--set " + assignment + ": " + sofar + " is not a section");
    }
    chain.push_back(next);
  }
  chain.back()[parts.back()] = parsed;
  src.overrides[key] = "--set " + assignment;
}

}  // namespace nmt
