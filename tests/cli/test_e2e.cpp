// End to end through the nmt binary: synthetic data → train → info → translate (filter,
// n-best, streaming, console in tmux, attention SVG) → score → evaluate.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <sys/wait.h>

#include "cli/run.h"
#include "common/trained_model.h"

using Catch::Matchers::Contains;
using nmt_test::count_lines;
using nmt_test::run_nmt;
using nmt_test::sh;
using nmt_test::slurp;
using nmt_test::trained_model;
using nmt_test::work_dir;
namespace fs = std::filesystem;

TEST_CASE("train writes a self-contained model directory, info reads it", "[e2e]") {
  const fs::path& m = trained_model();
  for (const char* f : {"config.yaml", "best.pt", "last.pt", "train_state.pt", "metrics.jsonl", "train.log"})
    CHECK(fs::exists(m / f));
  auto info = run_nmt("info -m " + m.string());
  CHECK(info.code == 0);
  CHECK_THAT(info.out, Contains("transformer"));
  CHECK_THAT(info.out, Contains("300"));  // steps
  // A fresh run into a directory with saved training state is refused, nothing lost.
  auto again = run_nmt("train -c " + (work_dir() / "cfg.yaml").string());
  CHECK(again.code != 0);
  CHECK_THAT(again.out, Contains("--resume"));
  CHECK(fs::exists(m / "best.pt"));
}

TEST_CASE("translate as a filter: one line out per line in, in order", "[e2e]") {
  const fs::path& m = trained_model();
  fs::path w = work_dir();
  std::string src = slurp(w / "data/test.src");
  std::ofstream(w / "in.txt") << "a1 a2 a3\n\n" << "a4 \xff a5\n" << src;
  REQUIRE(sh("'" NMT_BINARY "' translate -m " + m.string() + " < " + (w / "in.txt").string() + " > " +
             (w / "out.txt").string() + " 2> " + (w / "err.txt").string()) == 0);
  INFO(slurp(w / "err.txt"));
  std::string out = slurp(w / "out.txt");
  CHECK(count_lines(out) == 3 + count_lines(src));
  std::istringstream lines(out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  CHECK(first == "a1 a2 a3");  // the copy task, learned
  CHECK(second.empty());        // empty line → empty line
  CHECK_THAT(slurp(w / "err.txt"), Contains("invalid UTF-8"));

  auto nb = run_nmt("translate -m " + m.string() + " --beam-size 3 --nbest 2 -i " + (w / "in.txt").string());
  CHECK(nb.code == 0);
  CHECK_THAT(nb.out, Contains("0 ||| a1 a2 a3 ||| "));
  CHECK_THAT(nb.out, Contains("\n1 ||| "));
}

TEST_CASE("translate streams: output appears before input ends", "[e2e]") {
  const fs::path& m = trained_model();
  fs::path w = work_dir();
  fs::remove(w / "fifo");
  std::string script =
      "set -e; cd " + w.string() + "; mkfifo fifo; rm -f stream.out;"
      "'" NMT_BINARY "' translate -m " + m.string() + " < fifo > stream.out 2>/dev/null & pid=$!;"
      "exec 3>fifo; echo \"a1 a2\" >&3;"
      "for i in $(seq 1200); do [ -s stream.out ] && break; sleep 0.05; done;"
      "[ \"$(wc -l < stream.out)\" -eq 1 ];"
      "echo \"a3 a4\" >&3; exec 3>&-; wait $pid; [ \"$(wc -l < stream.out)\" -eq 2 ]";
  CHECK(sh(script) == 0);
}

TEST_CASE("attention heatmap SVG is well-formed", "[e2e]") {
  const fs::path& m = trained_model();
  fs::path svg = work_dir() / "attn.svg";
  auto r = run_nmt("translate -m " + m.string() + " --attention-svg " + svg.string() + " --attention-head 1", "a1 a2 a3 a4\n");
  CHECK(r.code == 0);
  REQUIRE(fs::exists(svg));
  CHECK(sh("xmllint --noout " + svg.string()) == 0);
  CHECK_THAT(slurp(svg), Contains("a4"));
}

TEST_CASE("score and evaluate report sacreBLEU-style BLEU and chrF", "[e2e]") {
  const fs::path& m = trained_model();
  fs::path w = work_dir();
  REQUIRE(sh("'" NMT_BINARY "' translate -m " + m.string() + " < " + (w / "data/test.src").string() + " > " +
             (w / "hyp.txt").string()) == 0);
  auto s = run_nmt("score --hyp " + (w / "hyp.txt").string() + " --ref " + (w / "data/test.tgt").string());
  CHECK(s.code == 0);
  CHECK_THAT(s.out, Contains("BLEU = "));
  CHECK_THAT(s.out, Contains("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp"));
  std::ofstream(w / "short_ref.txt") << "only one line\n";
  auto bad = run_nmt("score --hyp " + (w / "hyp.txt").string() + " --ref " + (w / "short_ref.txt").string());
  CHECK(bad.code != 0);
  CHECK_THAT(bad.out, Contains("hyp.txt"));
  auto e = run_nmt("evaluate -m " + m.string() + " --src " + (w / "data/test.src").string() + " --ref " +
                   (w / "data/test.tgt").string() + " --beam-size 2");
  CHECK(e.code == 0);
  CHECK_THAT(e.out, Contains("BLEU = "));
  CHECK_THAT(e.out, Contains("chrF2 = "));
  CHECK_THAT(e.out, Contains("sentences/s"));
}

// Shell: wait (up to 60 s) until the pane shows `count` lines matching `regex`; no fixed sleeps.
static std::string wait_pane(const std::string& sess, const std::string& regex, int count) {
  return "for i in $(seq 240); do [ \"$(tmux capture-pane -p -t " + sess + " | grep -c '" + regex + "')\" -ge " +
         std::to_string(count) + " ] && break; sleep 0.25; done;";
}

TEST_CASE("the interactive console works in a real terminal (tmux)", "[e2e]") {
  if (sh("command -v tmux >/dev/null") != 0) {
    WARN("tmux not installed; console test skipped");
    return;
  }
  const fs::path& m = trained_model();
  fs::path w = work_dir();
  std::string sess = "nmt_e2e_" + std::to_string(::getpid());
  std::string script =
      // No locale in the environment: the console must still take accented input.
      "tmux -u new-session -d -s " + sess + " -x 160 -y 50 \"env -u LANG -u LC_ALL -u LC_CTYPE '" NMT_BINARY
      "' translate -m " + m.string() + "\";" +
      wait_pane(sess, "^>", 1) + "tmux send-keys -t " + sess + " \"a5 fué a6\" Enter;" +
      wait_pane(sess, "ms, beam", 1) + "tmux send-keys -t " + sess + " \"a5 a6 a7\" Enter;" +
      wait_pane(sess, "ms, beam", 2) +
      "tmux send-keys -t " + sess + " \":attn\" Enter;" + wait_pane(sess, "┼", 1) +
      "tmux capture-pane -p -t " + sess + " > " + (w / "pane.txt").string() + ";"
      "tmux send-keys -t " + sess + " \":quit\" Enter;"
      // :quit ends the console and with it the session; wait for that, then clean up regardless.
      "for i in $(seq 80); do tmux has-session -t " + sess + " 2>/dev/null || break; sleep 0.25; done;"
      "tmux kill-session -t " + sess + " 2>/dev/null; true";
  sh(script);
  std::string pane = slurp(w / "pane.txt");
  INFO(pane);
  CHECK_THAT(pane, Contains("> a5 fué a6"));
  CHECK_THAT(pane, Contains("> a5 a6 a7"));
  CHECK_THAT(pane, Contains("ms, beam"));
  CHECK((pane.find("█") != std::string::npos || pane.find("▓") != std::string::npos));
}

TEST_CASE("explain: every step briefly, one step in full, JSON, and an HTML page that renders", "[e2e][explain]") {
  const fs::path& m = trained_model();
  fs::path w = work_dir();
  auto brief = run_nmt("explain -m " + m.string() + " \"a3 a4 a5\"");
  INFO(brief.out);
  REQUIRE(brief.code == 0);
  CHECK_THAT(brief.out, Contains("Output:  a3 a4 a5"));  // the copy model's own translation
  CHECK_THAT(brief.out, Contains("looks most at"));
  auto step = run_nmt("explain -m " + m.string() + " \"a3 a4 a5\" --step 2 --head 1");
  INFO(step.out);
  REQUIRE(step.code == 0);
  for (const char* s : {"Step 2 of 4", "cross-attention | layer 0 | head 1", "÷ 4.00", "softmax", "masked"})
    CHECK_THAT(step.out, Contains(s));
  auto json = run_nmt("explain -m " + m.string() + " \"a3 a4 a5\" --step 1 --json --log-level off");
  REQUIRE(json.code == 0);
  CHECK_THAT(json.out, Contains("\"d_k\": 16"));
  auto bad = run_nmt("explain -m " + m.string() + " \"a3 a4\" --step 9");
  CHECK(bad.code == 2);
  CHECK_THAT(bad.out, Contains("past the end"));

  const fs::path html = w / "explain.html", png = w / "explain.png", blank = w / "blank.png";
  REQUIRE(run_nmt("explain -m " + m.string() + " \"a3 a4 a5\" --html " + html.string()).code == 0);
  std::ofstream(w / "blank.html") << "<!DOCTYPE html><html><head><title>x</title></head><body></body></html>";
  auto render = [&](const fs::path& page, const fs::path& shot, const std::string& profile) {
    return sh("timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
              "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
              (w / profile).string() + " --screenshot=" + shot.string() + " --window-size=1200,1600 file://" +
              page.string() + " >/dev/null 2>&1") == 0 && fs::exists(shot);
  };
  REQUIRE(render(html, png, "profile-explain"));
  REQUIRE(render(w / "blank.html", blank, "profile-blank"));
  INFO("explain.png " << fs::file_size(png) << " bytes, blank " << fs::file_size(blank));
  CHECK(fs::file_size(png) > 5 * fs::file_size(blank));
}

TEST_CASE("quantize: an int8 model directory that translates like the float one", "[e2e][int8]") {
  const fs::path& m = trained_model();
  fs::path w = work_dir();
  const fs::path q = w / ("model-int8." + std::to_string(::getpid()));
  fs::remove_all(q);
  auto r = run_nmt("quantize -m " + m.string() + " --out " + q.string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("int8"));
  for (const char* f : {"config.yaml", "best.pt", "quantization.json"}) CHECK(fs::exists(q / f));
  CHECK_FALSE(fs::exists(q / "last.pt"));
  CHECK(fs::file_size(q / "best.pt") < fs::file_size(m / "best.pt"));

  auto info = run_nmt("info -m " + q.string());
  CHECK(info.code == 0);
  CHECK_THAT(info.out, Contains("quantized: int8"));

  // Greedy and beam outputs of the int8 model equal the float model's on the copy task.
  const std::string src = (w / "data/test.src").string();
  for (const char* beam : {"1", "3"}) {
    INFO("beam " << beam);
    REQUIRE(sh("'" NMT_BINARY "' translate -m " + m.string() + " --beam-size " + beam + " -i " + src + " > " +
               (q / "float.txt").string() + " 2>/dev/null") == 0);
    REQUIRE(sh("'" NMT_BINARY "' translate -m " + q.string() + " --beam-size " + beam + " -i " + src + " > " +
               (q / "int8.txt").string() + " 2>/dev/null") == 0);
    CHECK(count_lines(slurp(q / "int8.txt")) == count_lines(slurp(w / "data/test.src")));
    CHECK(slurp(q / "int8.txt") == slurp(q / "float.txt"));
  }

  // Quantizing twice, writing over a directory, and training an int8 model are refused.
  auto again = run_nmt("quantize -m " + q.string() + " --out " + (w / "q2").string());
  CHECK(again.code == 2);
  CHECK_THAT(again.out, Contains("already int8"));
  auto over = run_nmt("quantize -m " + m.string() + " --out " + q.string());
  CHECK(over.code == 2);
  CHECK_THAT(over.out, Contains("not empty"));
  auto train = run_nmt("train -c " + (q / "config.yaml").string());
  CHECK(train.code == 2);
  CHECK_THAT(train.out, Contains("int8"));
  fs::remove_all(q);
}
