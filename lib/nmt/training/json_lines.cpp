#include "nmt/training/json_lines.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <spdlog/fmt/fmt.h>

#include "nmt/training/model_dir.h"
#include "nmt/util/error.h"

namespace nmt {

std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out;
}

JsonObject& JsonObject::add(const std::string& key, const std::string& value) {
  fields_.emplace_back(key, "\"" + json_escape(value) + "\"");
  return *this;
}
JsonObject& JsonObject::add(const std::string& key, double value) {
  fields_.emplace_back(key, std::isfinite(value) ? fmt::format("{}", value) : "null");
  return *this;
}
JsonObject& JsonObject::add(const std::string& key, int64_t value) {
  fields_.emplace_back(key, std::to_string(value));
  return *this;
}
JsonObject& JsonObject::add(const std::string& key, bool value) {
  fields_.emplace_back(key, value ? "true" : "false");
  return *this;
}

std::string JsonObject::str(bool pretty) const {
  std::string s = "{";
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i) s += pretty ? ",\n" : ",";
    else if (pretty) s += "\n";
    if (pretty) s += "  ";
    s += "\"" + json_escape(fields_[i].first) + "\":" + (pretty ? " " : "") + fields_[i].second;
  }
  s += pretty ? "\n}" : "}";
  return s;
}

namespace {
struct Parser {
  const std::string& t;
  size_t i = 0;
  [[noreturn]] void fail(const std::string& what) {
    throw IoError("malformed JSON at offset " + std::to_string(i) + ": " + what);
  }
  void ws() {
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
  }
  void expect(char c) {
    ws();
    if (i >= t.size() || t[i] != c) fail(std::string("expected '") + c + "'");
    ++i;
  }
  std::string string() {
    expect('"');
    std::string s;
    while (i < t.size() && t[i] != '"') {
      char c = t[i++];
      if (c == '\\') {
        if (i >= t.size()) fail("bad escape");
        char e = t[i++];
        if (e == 'n') s += '\n';
        else if (e == 't') s += '\t';
        else if (e == 'r') s += '\r';
        else if (e == 'u') {
          if (i + 4 > t.size()) fail("bad \\u escape");
          s += static_cast<char>(std::stoi(t.substr(i, 4), nullptr, 16));
          i += 4;
        } else s += e;
      } else {
        s += c;
      }
    }
    if (i >= t.size()) fail("unterminated string");
    ++i;
    return s;
  }
  std::string scalar() {
    ws();
    if (i < t.size() && t[i] == '"') return string();
    size_t b = i;
    while (i < t.size() && t[i] != ',' && t[i] != '}' && !std::isspace(static_cast<unsigned char>(t[i]))) ++i;
    if (b == i) fail("expected a value");
    return t.substr(b, i - b);
  }
};
}  // namespace

std::map<std::string, std::string> parse_flat_json(const std::string& text) {
  Parser p{text};
  std::map<std::string, std::string> out;
  p.expect('{');
  p.ws();
  if (p.i < text.size() && text[p.i] == '}') return out;
  while (true) {
    std::string k = p.string();
    p.expect(':');
    out[k] = p.scalar();
    p.ws();
    if (p.i < text.size() && text[p.i] == ',') {
      ++p.i;
      continue;
    }
    p.expect('}');
    break;
  }
  return out;
}

void MetricsLog::open(const std::string& path, int64_t keep_up_to_step) {
  path_ = path;
  if (keep_up_to_step < 0) return;
  std::ifstream in(path);
  if (!in) return;
  std::string line, kept;
  bool dropped = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    bool keep = true;
    try {
      auto rec = parse_flat_json(line);
      auto it = rec.find("step");
      keep = it == rec.end() || std::stoll(it->second) <= keep_up_to_step;
    } catch (const std::exception&) {
      keep = false;  // a torn last line from a killed run
    }
    if (keep) kept += line + "\n";
    else dropped = true;
  }
  if (dropped) write_file_atomic(path, kept);
}

void MetricsLog::write(const JsonObject& record) {
  if (path_.empty()) return;
  std::ofstream out(path_, std::ios::app);
  if (!out) throw IoError("cannot append to " + path_);
  out << record.str() << "\n";
  out.flush();
  if (!out) throw IoError("cannot write to " + path_);
}

}  // namespace nmt
