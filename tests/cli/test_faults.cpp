// Faults through the nmt binary: the filter contract on hostile input (NUL, a 1 MB line, CRLF,
// BOM, no final newline), SIGTERM during translation, a file size limit during training, a
// read-only model directory and a missing SentencePiece plugin: each gives a clear message
// and exit code, and nothing already written is lost.
#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "cli/run.h"

using Catch::Matchers::Contains;
namespace fs = std::filesystem;
using nmt_test::slurp;

namespace {

struct Dir {
  fs::path path;
  explicit Dir(const std::string& tag) {
    path = fs::temp_directory_path() / ("nmt_faults_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

size_t count_lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// Runs a bash script in `dir` (written to a file, so any quoting works); returns its exit code.
int sh(const fs::path& dir, const std::string& script) {
  static int n = 0;
  const fs::path file = dir / ("script" + std::to_string(++n) + ".sh");
  std::ofstream(file) << "set -u\ncd '" << dir.string() << "'\nNMT='" << NMT_BINARY << "'\n" << script << "\n";
  const int status = std::system(("bash '" + file.string() + "'").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A copy-task model trained for a few steps into dir/model (tokenizer: word, or sentencepiece).
void train_tiny_model(const fs::path& dir, const std::string& tokenizer = "word", int steps = 4) {
  std::ofstream(dir / "cfg.yaml") << "name: faults\n"
                                     "data:\n"
                                     "  train: {src: data/train.src, tgt: data/train.tgt}\n"
                                     "  dev: {src: data/dev.src, tgt: data/dev.tgt}\n"
                                     "  max_len: 20\n"
                                     "tokenizer: {type: " << tokenizer << ", vocab_size: 24}\n"
                                     "model: {arch: transformer, d_model: 16, heads: 2, ffn: 32, enc_layers: 1, "
                                     "dec_layers: 1, dropout: 0.0}\n"
                                     "train: {max_steps: " << steps << ", validate_every: 1000, save_every: 2, "
                                     "log_every: 1, batch_tokens: 300, lr: 0.003, schedule: constant, warmup: 0}\n"
                                     "decode: {beam_size: 2, batch_size: 4}\n"
                                     "output: model\n";
  REQUIRE(sh(dir, "$NMT data synthetic --task copy --out data --train 200 --dev 20 --test 20 --min-len 3 "
                  "--max-len 8 --vocab 12 --seed 3 > data.log 2>&1") == 0);
  const int rc = sh(dir, "$NMT --threads 2 train -c cfg.yaml > train.log 2>&1");
  INFO(slurp(dir / "train.log"));
  REQUIRE(rc == 0);
}

}  // namespace

TEST_CASE("translate keeps one line out per line in: NUL, 1 MB line, CRLF, BOM, no final newline", "[cli][faults]") {
  Dir d("filter");
  train_tiny_model(d.path);
  std::string big;
  while (big.size() < (1u << 20)) big += "a1 a2 a3 ";
  std::string in = std::string("\xEF\xBB\xBF" "a1 a2\r\n") + std::string("a3\0a4\n", 6) + big + "\n" + "\r\n" +
                   "\n" + "a5 a6";  // 6 lines, the last without '\n'
  std::ofstream(d.path / "in.txt", std::ios::binary) << in;
  std::ofstream(d.path / "plain.txt") << "a1 a2\n";

  REQUIRE(sh(d.path, "$NMT translate -m model < in.txt > out.txt 2> err.txt") == 0);
  const std::string out = slurp(d.path / "out.txt");
  INFO(slurp(d.path / "err.txt"));
  CHECK(count_lines(out) == 6);
  CHECK(out.back() == '\n');
  CHECK_THAT(slurp(d.path / "err.txt"), Contains("input line 3: longer than"));
  // The BOM is not part of the first sentence: it translates like the same line without it.
  REQUIRE(sh(d.path, "$NMT translate -m model < plain.txt > plain.out 2>/dev/null") == 0);
  CHECK(out.substr(0, out.find('\n') + 1) == slurp(d.path / "plain.out"));

  // The same through -i/-o, and with n-best lines: indices 0..5, each present.
  REQUIRE(sh(d.path, "$NMT translate -m model -i in.txt -o nbest.txt --nbest 2 2>/dev/null") == 0);
  std::istringstream nb(slurp(d.path / "nbest.txt"));
  std::set<int> indices;
  for (std::string line; std::getline(nb, line);) indices.insert(std::stoi(line.substr(0, line.find(' '))));
  CHECK(indices == std::set<int>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("SIGTERM during translate: every translated line is written, exit 143", "[cli][faults]") {
  Dir d("sigterm");
  train_tiny_model(d.path);
  for (const std::string out_opt : {"> out.txt", "-o out.txt"}) {
    INFO(out_opt);
    // Three lines arrive, are translated and written; then, with the input still open, SIGTERM.
    const std::string script =
        "rm -f fifo out.txt; mkfifo fifo\n"
        "$NMT translate -m model -b 1 " + out_opt + " < fifo 2> err.txt & pid=$!\n"
        "exec 3>fifo; printf 'a1 a2\\na3 a4\\na5\\n' >&3\n"
        "for i in $(seq 600); do [ -f out.txt ] && [ \"$(wc -l < out.txt)\" -ge 3 ] && break; sleep 0.05; done\n"
        "kill -TERM $pid; wait $pid; echo $? > rc.txt; exec 3>&-";
    REQUIRE(sh(d.path, script) == 0);
    INFO(slurp(d.path / "err.txt"));
    CHECK(slurp(d.path / "rc.txt") == "143\n");
    CHECK(count_lines(slurp(d.path / "out.txt")) == 3);
    CHECK_THAT(slurp(d.path / "err.txt"), Contains("interrupted by SIGTERM after 3 lines"));
  }
}

TEST_CASE("nmt train under a file size limit exits 1 naming the file, --resume continues", "[cli][faults]") {
  Dir d("ulimit");
  train_tiny_model(d.path);
  const auto before = slurp(d.path / "model/last.pt");
  const size_t kib = std::max<size_t>(1, fs::file_size(d.path / "model/last.pt") / 2 / 1024);
  const int rc = sh(d.path, "(ulimit -f " + std::to_string(kib) +
                                "; exec $NMT --threads 2 train --resume -m model --set train.max_steps=8) > limit.log 2>&1");
  const std::string log = slurp(d.path / "limit.log");
  INFO(log);
  CHECK(rc == 1);
  CHECK_THAT(log, Contains("model/last.pt") && Contains("File too large"));
  CHECK_THAT(log, Contains("step 4 are intact") && Contains("--resume"));
  CHECK(slurp(d.path / "model/last.pt") == before);
  CHECK(sh(d.path, "$NMT --threads 2 train --resume -m model --set train.max_steps=8 > resume.log 2>&1") == 0);
  CHECK_THAT(slurp(d.path / "model/train_state.json"), Contains("\"step\": 8"));
}

TEST_CASE("a read-only model directory: train exits 1 naming the file, translate works", "[cli][faults]") {
  Dir d("readonly");
  train_tiny_model(d.path);
  const fs::path ro = d.path / "ro";
  fs::create_directories(ro);
  bool mounted = false;
  if (::geteuid() == 0) {  // root writes through permissions: a read-only file system instead
    mounted = ::mount("tmpfs", ro.c_str(), "tmpfs", 0, "size=67108864") == 0;
    if (!mounted) {
      WARN("running as root without permission to mount: cannot make a read-only directory");
      return;
    }
  }
  fs::copy(d.path / "model", ro / "model", fs::copy_options::recursive);
  if (mounted) REQUIRE(::mount("tmpfs", ro.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0);
  else REQUIRE(sh(d.path, "chmod -R a-w ro") == 0);

  const int train_rc = sh(d.path, "$NMT train --resume -m ro/model --set train.max_steps=8 > ro.log 2>&1");
  const int translate_rc = sh(d.path, "printf 'a1 a2\\na3\\n' | $NMT translate -m ro/model > ro.out 2> ro.err");
  const std::string log = slurp(d.path / "ro.log");
  if (mounted) ::umount2(ro.c_str(), MNT_DETACH);
  else sh(d.path, "chmod -R u+w ro");
  INFO(log);
  CHECK(train_rc == 1);
  CHECK_THAT(log, Contains("ro/model/config.yaml") && (Contains("Read-only file system") || Contains("Permission denied")));
  CHECK(translate_rc == 0);
  CHECK(count_lines(slurp(d.path / "ro.out")) == 2);
}

TEST_CASE("a missing SentencePiece plugin is a clear error with exit code 1", "[cli][faults][spm]") {
  Dir d("noplugin");
  train_tiny_model(d.path, "sentencepiece", 2);
  std::ofstream(d.path / "not-a-plugin.so") << "text";
  for (const std::string plugin : {std::string("/nonexistent/libnmt_spm.so"), (d.path / "not-a-plugin.so").string()}) {
    INFO(plugin);
    const int rc = sh(d.path, "printf 'a1 a2\\n' | NMT_SPM_PLUGIN='" + plugin + "' $NMT translate -m model > o.txt 2> e.txt");
    const std::string err = slurp(d.path / "e.txt");
    INFO(err);
    CHECK(rc == 1);
    CHECK_THAT(err, Contains("cannot load the SentencePiece plugin") && Contains(plugin));
    CHECK(slurp(d.path / "o.txt").empty());
  }
}
