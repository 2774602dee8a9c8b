#include "console.h"

#include <langinfo.h>

#include <chrono>
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "nmt/report/charts.h"
#include "nmt/util/error.h"
#include "nmt/util/utf8.h"

#if __has_include(<editline/readline.h>)
#include <editline/readline.h>
#define NMT_HAVE_EDITLINE 1
#endif

namespace nmt::cli {

std::vector<std::vector<float>> attention_rows(const Translation& t) {
  std::vector<std::vector<float>> rows;
  if (!t.attention.defined()) return rows;
  torch::Tensor a = t.attention.to(torch::kCPU, torch::kFloat).contiguous();  // [T, S]
  TORCH_CHECK(a.dim() == 2, "attention must be [T, S]");
  rows.resize(a.size(0));
  auto acc = a.accessor<float, 2>();
  for (int64_t i = 0; i < a.size(0); ++i) {
    rows[i].resize(a.size(1));
    for (int64_t j = 0; j < a.size(1); ++j) rows[i][j] = acc[i][j];
  }
  return rows;
}

void write_attention_svg(const std::string& path, const Translation& t) {
  if (!t.attention.defined()) throw Error("no attention to draw: this model has no source attention");
  HeatmapData h;
  h.title = "Attention: " + t.text;
  h.src = t.src_pieces;
  h.tgt = t.tgt_pieces;
  h.weights = attention_rows(t);
  std::ofstream f(path);
  if (!f) throw IoError(path + ": cannot open for writing");
  f << heatmap_svg(h);
  if (!f) throw IoError(path + ": write failed");
  spdlog::info("attention heatmap written to {}", path);
}

namespace {

// Line editing needs a UTF-8 character type, or accented input (fué, espíritu) is dropped as
// it is typed. Use the user's locale when it is UTF-8, else glibc's built-in C.UTF-8.
void use_utf8_ctype() {
  const char* loc = std::setlocale(LC_CTYPE, "");
  if (loc && std::string(nl_langinfo(CODESET)) == "UTF-8") return;
  if (!std::setlocale(LC_CTYPE, "C.UTF-8")) std::setlocale(LC_CTYPE, "C");
}

bool read_line(const std::string& prompt, std::string* line) {
#ifdef NMT_HAVE_EDITLINE
  char* s = readline(prompt.c_str());
  if (!s) return false;
  *line = s;
  if (!line->empty()) add_history(s);
  std::free(s);
  return true;
#else
  std::cout << prompt << std::flush;
  return static_cast<bool>(std::getline(std::cin, *line));
#endif
}

const char* kHelp =
    "Type a sentence to translate it. Commands:\n"
    "  :beam K     beam size (1 = greedy)        :nbest N   show N best hypotheses\n"
    "  :lp A       length penalty alpha          :attn      attention heatmap of the last translation\n"
    "  :svg FILE   write that heatmap as SVG     :help      this text\n"
    "  :quit       leave (also Ctrl-D)\n";

}  // namespace

void run_console(Translator& tr, const LoadedModel& lm, const std::string& svg_path) {
  use_utf8_ctype();
  std::cout << "nmt console — " << lm.model->arch() << " model from " << lm.weights << "\n"
            << "beam " << tr.options().beam_size << ". :help for commands, :quit or Ctrl-D to leave.\n";
  Translation last;
  bool have_last = false;
  std::string line;
  while (read_line("> ", &line)) {
    std::string cmd = line;
    while (!cmd.empty() && std::isspace(static_cast<unsigned char>(cmd.back()))) cmd.pop_back();
    if (cmd.empty()) continue;
    try {
      if (cmd[0] == ':') {
        std::istringstream in(cmd.substr(1));
        std::string name;
        in >> name;
        if (name == "quit" || name == "q" || name == "exit") break;
        if (name == "help" || name == "h") {
          std::cout << kHelp;
        } else if (name == "beam" || name == "nbest") {
          int64_t v = 0;
          if (!(in >> v) || v < 1) { std::cout << ":" << name << " needs a positive number\n"; continue; }
          SearchOptions& so = tr.options();
          if (name == "beam") { so.beam_size = v; so.nbest = std::min(so.nbest, v); }
          else { so.nbest = v; so.beam_size = std::max(so.beam_size, v); }
          std::cout << "beam " << so.beam_size << ", nbest " << so.nbest << "\n";
        } else if (name == "lp") {
          double a = -1;
          if (!(in >> a) || a < 0) { std::cout << ":lp needs a number >= 0\n"; continue; }
          tr.options().length_penalty = a;
          std::cout << "length penalty " << a << "\n";
        } else if (name == "attn" || name == "svg") {
          if (!have_last) { std::cout << "translate a sentence first\n"; continue; }
          if (!last.attention.defined()) { std::cout << "this model has no source attention (rnn baseline)\n"; continue; }
          if (name == "attn") {
            std::cout << text_heatmap(last.src_pieces, last.tgt_pieces, attention_rows(last));
          } else {
            std::string path;
            in >> path;
            if (path.empty()) path = svg_path.empty() ? "attention.svg" : svg_path;
            write_attention_svg(path, last);
            std::cout << "wrote " << path << "\n";
          }
        } else {
          std::cout << "unknown command :" << name << " (:help lists them)\n";
        }
        continue;
      }
      std::string text = sanitize_utf8(cmd);
      auto t0 = std::chrono::steady_clock::now();
      std::vector<Translation> res = tr.translate({text});
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      last = res.at(0);
      have_last = true;
      if (last.truncated) std::cout << "(input truncated to the model's maximum length)\n";
      if (tr.options().nbest > 1 && !last.nbest.empty()) {
        for (size_t i = 0; i < last.nbest.size(); ++i)
          std::printf("%zu. %s  (%.3f)\n", i + 1, last.nbest[i].first.c_str(), last.nbest[i].second);
      } else {
        std::cout << last.text << "\n";
      }
      std::printf("   [%.0f ms, beam %lld]\n", ms, static_cast<long long>(tr.options().beam_size));
      std::fflush(stdout);
    } catch (const nmt::Error& e) {
      std::cout << "error: " << e.what() << "\n";
    } catch (const c10::Error& e) {  // a tensor-level failure ends this sentence, not the console
      std::cout << "error: " << e.what_without_backtrace() << "\n";
    } catch (const std::exception& e) {
      std::cout << "error: " << e.what() << "\n";
    }
  }
  std::cout << "\n";
}

}  // namespace nmt::cli
