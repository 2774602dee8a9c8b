// Helpers for the report tests: a small XML well-formedness check, xmllint, temp dirs,
// and made-up report data for three models.
#pragma once
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "nmt/report/report.h"

namespace report_test {

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

inline bool have_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// `xmllint --noout` (plus extra flags) on a file; true when it parses cleanly.
inline bool xmllint_ok(const std::filesystem::path& file, const std::string& flags = "") {
  std::string cmd = "xmllint --noout " + flags + " '" + file.string() + "' 2>'" + file.string() + ".lint'";
  return std::system(cmd.c_str()) == 0;
}

// Our own check: tags balanced and properly nested, attributes quoted, only the five
// predefined entities or numeric references, no '<' in text. Returns "" or the problem.
inline std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  size_t i = 0;
  auto is_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' || c == '_' || c == '.'; };
  auto check_entities = [](const std::string& text) -> std::string {
    for (size_t p = text.find('&'); p != std::string::npos; p = text.find('&', p + 1)) {
      size_t semi = text.find(';', p);
      if (semi == std::string::npos) return "unterminated entity";
      std::string ent = text.substr(p + 1, semi - p - 1);
      if (ent != "amp" && ent != "lt" && ent != "gt" && ent != "quot" && ent != "apos" &&
          !(ent.size() > 1 && ent[0] == '#'))
        return "unknown entity &" + ent + ";";
    }
    return "";
  };
  while (i < s.size()) {
    size_t lt = s.find('<', i);
    std::string text = s.substr(i, lt == std::string::npos ? std::string::npos : lt - i);
    if (auto e = check_entities(text); !e.empty()) return e;
    if (lt == std::string::npos) break;
    if (s.compare(lt, 4, "<!--") == 0) { i = s.find("-->", lt); if (i == std::string::npos) return "open comment"; i += 3; continue; }
    if (s.compare(lt, 2, "<?") == 0 || s.compare(lt, 2, "<!") == 0) { i = s.find('>', lt) + 1; continue; }
    bool closing = s.compare(lt, 2, "</") == 0;
    size_t p = lt + (closing ? 2 : 1), start = p;
    while (p < s.size() && is_name(s[p])) ++p;
    std::string name = s.substr(start, p - start);
    if (name.empty()) return "empty tag name at " + std::to_string(lt);
    bool self_closing = false;
    while (p < s.size() && s[p] != '>') {
      if (s[p] == '/' && p + 1 < s.size() && s[p + 1] == '>') { self_closing = true; ++p; break; }
      if (std::isspace(static_cast<unsigned char>(s[p]))) { ++p; continue; }
      size_t a = p;
      while (p < s.size() && is_name(s[p])) ++p;
      if (a == p || p >= s.size() || s[p] != '=') return "bad attribute in <" + name + ">";
      ++p;
      if (p >= s.size() || (s[p] != '"' && s[p] != '\'')) return "unquoted attribute in <" + name + ">";
      char q = s[p];
      size_t end = s.find(q, p + 1);
      if (end == std::string::npos) return "unterminated attribute";
      std::string value = s.substr(p + 1, end - p - 1);
      if (value.find('<') != std::string::npos) return "'<' in attribute";
      if (auto e = check_entities(value); !e.empty()) return e;
      p = end + 1;
    }
    if (p >= s.size()) return "unterminated tag <" + name;
    i = p + 1;
    if (closing) {
      if (stack.empty() || stack.back() != name) return "mismatched </" + name + ">";
      stack.pop_back();
    } else if (!self_closing) {
      stack.push_back(name);
      if (name == "style" || name == "script") {  // raw text until the end tag
        size_t end = s.find("</" + name, i);
        if (end == std::string::npos) return "unterminated <" + name + ">";
        i = end;
      }
    }
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

// A fresh directory under the system temp dir, removed on destruction unless NMT_REPORT_KEEP
// is set in the environment (then its path is kept for inspection).
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    path = std::filesystem::temp_directory_path() / ("nmt_report_" + tag + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    if (!std::getenv("NMT_REPORT_KEEP")) std::filesystem::remove_all(path, ec);
  }
};

inline nmt::HeatmapData fake_heatmap(std::vector<std::string> src, std::vector<std::string> tgt) {
  nmt::HeatmapData h;
  h.src = std::move(src);
  h.tgt = std::move(tgt);
  const size_t S = h.src.size(), T = h.tgt.size();
  for (size_t t = 0; t < T; ++t) {
    std::vector<float> row(S);
    double sum = 0;
    for (size_t s = 0; s < S; ++s) {
      double d = (double(s) - double(t) * S / std::max<size_t>(1, T)) / 1.2;
      row[s] = float(std::exp(-d * d));
      sum += row[s];
    }
    for (auto& w : row) w = float(w / sum);
    h.weights.push_back(row);
  }
  return h;
}

// Three models with made-up numbers: the RNN baseline falls off on long sentences.
inline nmt::ReportData fake_report() {
  nmt::ReportData d;
  d.title = "Bible es→en: RNN vs Bahdanau vs Transformer";
  d.description = "Made-up numbers for the report tests <&> \"quoted\".";
  d.command_line = "nmt compare models/rnn models/bahdanau models/transformer --test data/test --out report/";
  d.buckets = {{"1–10", 412}, {"11–20", 803}, {"21–30", 521}, {"31–50", 244}, {"51+", 20}};
  const char* names[3] = {"rnn", "bahdanau", "transformer"};
  const char* archs[3] = {"RNN (no attention)", "RNN + Bahdanau attention", "Transformer"};
  const double bleu[3][5] = {{21.4, 16.2, 10.3, 6.1, 2.2}, {24.8, 23.1, 21.9, 19.5, 15.0}, {27.2, 26.0, 25.1, 23.3, 20.4}};
  for (int m = 0; m < 3; ++m) {
    nmt::ModelSummary s;
    s.name = names[m];
    s.arch = archs[m];
    s.parameters = int64_t(12'345'678 + m * 9'000'000);
    s.train_steps = 20000 + m * 5000;
    s.train_wall_minutes = 41.5 + m * 30;
    s.train_tgt_tokens_per_s = 18250.0 - m * 3000;
    s.best_dev_bleu = 12.0 + m * 5.555;
    s.test_bleu = 11.5 + m * 5.5;
    s.test_chrf = 38.2 + m * 6.1;
    s.decode_sents_per_s_beam1 = 410.0 - m * 80;
    s.decode_sents_per_s_beam5 = 120.0 - m * 20;
    s.peak_memory_mib = 1800.0 + m * 1200;
    for (double b : bleu[m]) s.bleu_by_bucket.push_back(b);
    for (int k = 1; k <= 12; ++k) {
      nmt::CurvePoint p;
      p.step = k * 2000;
      p.wall_minutes = k * (3.5 + m * 2.5);
      p.dev_bleu = (12.0 + m * 5.5) * (1 - std::exp(-k / 3.0));
      p.dev_loss = 2.0 + 4.0 * std::exp(-k / (2.5 + m));
      s.curve.push_back(p);
    }
    d.models.push_back(s);
  }
  auto src = std::vector<std::string>{"▁¿Qué", "▁es", "▁la", "▁verdad", "?", "▁<unk>", "&", "\"x\"", "</s>"};
  auto tgt = std::vector<std::string>{"▁What", "▁is", "▁truth", "?", "▁'quoted'", "</s>"};
  nmt::HeatmapData h = fake_heatmap(src, tgt);
  h.title = "¿Qué es la verdad? <&>";
  d.attention.push_back({"bahdanau", "Bahdanau alignment", h});
  d.attention.push_back({"transformer", "Transformer cross-attention (mean of heads, last layer)", h});
  d.attention.push_back({"transformer", "Transformer head 3 (last layer)", fake_heatmap(src, tgt)});
  nmt::Example e1{"¿Qué es la verdad?", "What is truth?", {{"rnn", "What is the truth?"},
                   {"bahdanau", "What is truth?"}, {"transformer", "What is truth?"}}, false};
  nmt::Example e2{"Y dijo Dios: Sea la luz; y fue la luz. <b>&amp;</b>", "And God said, Let there be light: and there was light.",
                  {{"rnn", "And God said, Let there be the light of the light"},
                   {"transformer", "And God said, Let there be light: and there was light."}}, true};
  d.examples = {e1, e2};
  d.configs = {{"rnn", "model:\n  arch: rnn   # no attention\n  hidden: 512\n"},
               {"transformer", "model:\n  arch: transformer\n  layers: 6\n  # ``` fence & <tags>\n"}};
  return d;
}

}  // namespace report_test
