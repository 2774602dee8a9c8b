// The tiny trained copy-task Transformer (a model directory made by the nmt binary) that the
// CLI and serve tests share, and small helpers.
// ctest runs each test case in its own process, possibly in parallel: the model is trained
// once under a file lock and reused while the nmt binary is unchanged.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/run.h"

namespace nmt_test {

namespace e2e_fs = std::filesystem;

inline e2e_fs::path work_dir() { return e2e_fs::temp_directory_path() / "nmt_test_e2e"; }

inline size_t count_lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// Runs a bash script (written to a file, so any quoting inside works).
inline int sh(const std::string& cmd) {
  e2e_fs::create_directories(work_dir());
  static int calls = 0;  // test cases run in parallel processes: one script file each
  e2e_fs::path script = work_dir() / ("script." + std::to_string(::getpid()) + "." + std::to_string(++calls) + ".sh");
  std::ofstream(script) << cmd << "\n";
  int status = std::system(("bash " + script.string()).c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Trains the tiny copy-task Transformer (word tokens a1..a12, 1+1 layers, 2 heads, beam 3)
// into work_dir()/model, or reuses it.
inline const e2e_fs::path& trained_model() {
  static e2e_fs::path model;
  if (!model.empty()) return model;
  e2e_fs::path w = work_dir();
  e2e_fs::create_directories(w);
  int lock = ::open((w.string() + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
  REQUIRE(lock >= 0);
  ::flock(lock, LOCK_EX);
  std::string stamp = std::to_string(e2e_fs::last_write_time(NMT_BINARY).time_since_epoch().count());
  if (e2e_fs::exists(w / "model.ready") && slurp(w / "model.ready") == stamp) {
    ::flock(lock, LOCK_UN);
    ::close(lock);
    model = w / "model";
    return model;
  }
  e2e_fs::remove_all(w);
  e2e_fs::create_directories(w);
  auto d = run_nmt("data synthetic --task copy --out " + (w / "data").string() +
                   " --train 2000 --dev 40 --test 40 --min-len 3 --max-len 8 --vocab 12 --seed 3");
  REQUIRE(d.code == 0);
  std::ofstream(w / "cfg.yaml") << "name: e2e-copy\n"
                                   "data:\n"
                                   "  train: {src: " << (w / "data/train.src").string() << ", tgt: " << (w / "data/train.tgt").string() << "}\n"
                                   "  dev: {src: " << (w / "data/dev.src").string() << ", tgt: " << (w / "data/dev.tgt").string() << "}\n"
                                   "  max_len: 20\n"
                                   "tokenizer: {type: word, vocab_size: 64}\n"
                                   "model: {arch: transformer, d_model: 32, heads: 2, ffn: 64, enc_layers: 1, dec_layers: 1, dropout: 0.0}\n"
                                   "train: {max_steps: 300, validate_every: 100, save_every: 100, log_every: 50, batch_tokens: 600,\n"
                                   "        lr: 0.003, schedule: constant, warmup: 20, label_smoothing: 0.0, seed: 5}\n"
                                   "decode: {beam_size: 3, batch_size: 16}\n"
                                   "output: " << (w / "model").string() << "\n";
  auto t = run_nmt("--threads 2 train -c " + (w / "cfg.yaml").string());
  INFO(t.out);
  REQUIRE(t.code == 0);
  std::ofstream(w / "model.ready") << stamp;
  ::flock(lock, LOCK_UN);
  ::close(lock);
  model = w / "model";
  return model;
}

}  // namespace nmt_test
