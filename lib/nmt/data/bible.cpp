// Reina-Valera 1909 / KJV parallel corpus from the SWORD modules via diatheke.
#include "nmt/data/bible.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>

#include "nmt/data/text_io.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Parses "Book C:V: text" (after leading spaces); false if the line has no verse key.
bool parse_key(const std::string& line, size_t start, Verse* v) {
  size_t colon = line.find(": ", start);
  if (colon == std::string::npos) {
    if (line.size() >= 1 && line.back() == ':') colon = line.size() - 1;  // empty verse text
    else return false;
  }
  std::string prefix = line.substr(start, colon - start);
  size_t sp = prefix.rfind(' ');
  if (sp == std::string::npos || sp == 0) return false;
  std::string book = prefix.substr(0, sp), ref = prefix.substr(sp + 1);
  size_t c = ref.find(':');
  if (c == std::string::npos || c == 0 || c + 1 >= ref.size()) return false;
  for (size_t i = 0; i < ref.size(); ++i)
    if (i != c && !is_digit(ref[i])) return false;
  if (!(is_alpha(book[0]) || is_digit(book[0]))) return false;
  for (char ch : book)
    if (!(is_alpha(ch) || is_digit(ch) || ch == ' ')) return false;
  v->book = book;
  v->chapter = std::stoi(ref.substr(0, c));
  v->verse = std::stoi(ref.substr(c + 1));
  v->text = colon + 2 <= line.size() ? line.substr(colon + 2) : std::string();
  return true;
}

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && is_space(s[a])) ++a;
  while (b > a && is_space(s[b - 1])) --b;
  return s.substr(a, b - a);
}

struct CommandResult {
  int status = -1;
  std::string out;
};

CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 1 << 16> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

bool on_path(const std::string& exe) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + exe).c_str(), X_OK) == 0) return true;
  return false;
}

// The first of `names` that diatheke lists as installed.
std::string find_module(const std::string& installed, const std::vector<std::string>& names,
                        const std::string& package) {
  for (const auto& n : names) {
    std::stringstream ss(installed);
    std::string line;
    while (std::getline(ss, line))
      if (trim(line.substr(0, line.find(" : "))) == n) return n;
  }
  throw Error("SWORD module " + names.front() + " is not installed (install the Debian package " + package +
              ": apt-get install " + package + ")");
}

std::vector<Verse> read_module(const std::string& module) {
  CommandResult r = run_command("diatheke -b " + module + " -f plain -k 'Gen 1:1-Rev 22:21' 2>&1");
  if (r.status != 0) throw Error("diatheke failed for module " + module + ": " + trim(r.out));
  auto verses = parse_diatheke(r.out);
  if (verses.empty()) throw Error("diatheke returned no verses for module " + module);
  return verses;
}

}  // namespace

std::vector<Verse> parse_diatheke(const std::string& output) {
  std::vector<Verse> verses;
  std::vector<std::string> pending;  // non-key lines since the last key or blank line
  auto flush_continuation = [&] {
    if (!verses.empty())
      for (const auto& p : pending) verses.back().text += " " + p;
    pending.clear();
  };
  std::stringstream ss(output);
  std::string line;
  while (std::getline(ss, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t indent = 0;
    while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t')) ++indent;
    Verse v;
    if (parse_key(line, indent, &v)) {
      if (indent > 0) pending.clear();  // an indented key follows a section heading
      flush_continuation();
      verses.push_back(std::move(v));
      continue;
    }
    std::string t = trim(line);
    if (t.empty()) {
      flush_continuation();
    } else if (t.front() == '(' && t.back() == ')' && t.find(' ') == std::string::npos) {
      pending.clear();  // the "(module)" trailer
    } else {
      pending.push_back(t);
    }
  }
  flush_continuation();
  return verses;
}

std::string clean_verse(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '<') {  // markup tag such as <H2416>
      size_t end = text.find('>', i);
      if (end != std::string::npos) {
        out += ' ';
        i = end + 1;
        continue;
      }
    }
    if (c == '\\') {  // USFM-style marker such as \nd or \nd*
      size_t j = i + 1;
      while (j < text.size() && is_alpha(text[j])) ++j;
      if (j < text.size() && text[j] == '*') ++j;
      out += ' ';
      i = j;
      continue;
    }
    if (text.compare(i, 2, "\xC2\xB6") == 0) {  // ¶
      out += ' ';
      i += 2;
      continue;
    }
    if (c == '[' || c == ']' || c == '{' || c == '}') {
      ++i;
      continue;
    }
    out += is_space(c) ? ' ' : c;
    ++i;
  }
  std::string norm;  // collapse whitespace, drop spaces before , ; : . ? !
  norm.reserve(out.size());
  for (char c : out) {
    if (c == ' ') {
      if (!norm.empty() && norm.back() != ' ') norm += ' ';
      continue;
    }
    if ((c == ',' || c == ';' || c == ':' || c == '.' || c == '?' || c == '!') && !norm.empty() && norm.back() == ' ')
      norm.pop_back();
    norm += c;
  }
  return trim(norm);
}

BibleSplit split_bible(const std::vector<Verse>& src, const std::vector<Verse>& tgt) {
  using Key = std::tuple<std::string, int, int>;
  std::map<Key, const Verse*> by_key;
  for (const auto& v : tgt) by_key.emplace(Key{v.book, v.chapter, v.verse}, &v);
  BibleSplit s;
  for (const auto& v : src) {
    auto it = by_key.find(Key{v.book, v.chapter, v.verse});
    std::string a = clean_verse(v.text);
    std::string b = it == by_key.end() ? std::string() : clean_verse(it->second->text);
    if (a.empty() || b.empty()) {
      ++s.dropped;
      continue;
    }
    int64_t k = s.pairs++;
    switch (k % 50) {
      case 17: s.test_src.push_back(std::move(a)); s.test_tgt.push_back(std::move(b)); break;
      case 33: s.dev_src.push_back(std::move(a)); s.dev_tgt.push_back(std::move(b)); break;
      case 41: ++s.held_out; break;
      default: s.train_src.push_back(std::move(a)); s.train_tgt.push_back(std::move(b));
    }
  }
  return s;
}

BibleSplit write_bible(const std::string& out_dir) {
  if (!on_path("diatheke"))
    throw Error("diatheke not found on PATH (install the Debian package diatheke: apt-get install diatheke)");
  CommandResult mods = run_command("diatheke -b system -k modulelist 2>&1");
  if (mods.status != 0) throw Error("diatheke cannot list SWORD modules: " + trim(mods.out));
  std::string es = find_module(mods.out, {"SpaRV", "spaRV1909eb", "SpaRV1909"}, "sword-text-sparv");
  std::string en = find_module(mods.out, {"KJV", "engKJV2006eb"}, "sword-text-kjv");
  spdlog::info("reading SWORD modules {} (Spanish) and {} (English) with diatheke", es, en);
  BibleSplit s = split_bible(read_module(es), read_module(en));

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw IoError("cannot create directory " + out_dir + ": " + ec.message());
  auto path = [&](const char* name) { return (std::filesystem::path(out_dir) / name).string(); };
  write_lines(path("train.es"), s.train_src);
  write_lines(path("train.en"), s.train_tgt);
  write_lines(path("dev.es"), s.dev_src);
  write_lines(path("dev.en"), s.dev_tgt);
  write_lines(path("test.es"), s.test_src);
  write_lines(path("test.en"), s.test_tgt);
  spdlog::info("wrote {}: {} pairs: {} train, {} dev, {} test, {} held out; {} verses dropped", out_dir, s.pairs,
               s.train_src.size(), s.dev_src.size(), s.test_src.size(), s.held_out, s.dropped);
  return s;
}

}  // namespace nmt
