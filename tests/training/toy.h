// Shared fixtures for the training tests: a tiny reverse task on disk and a tiny config.
#pragma once
#include <filesystem>
#include <string>
#include <unistd.h>

#include "nmt/config/config.h"
#include "nmt/data/synthetic.h"

namespace nmt_test {

// A fresh scratch directory under /tmp, removed by the destructor.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    path = std::filesystem::temp_directory_path() /
           ("nmt-training-" + tag + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

// Writes a small reverse task into dir/data (train 400, dev 20 pairs, lengths 3..6, 8 symbols).
inline std::string write_toy_data(const TempDir& dir, int64_t train = 400) {
  nmt::SyntheticOptions o;
  o.task = "reverse";
  o.train = train;
  o.dev = 20;
  o.test = 20;
  o.min_len = 3;
  o.max_len = 6;
  o.vocab = 8;
  o.seed = 7;
  std::string data = (dir.path / "data").string();
  nmt::write_synthetic(o, data);
  return data;
}

// A tiny config for the toy data: arch rnn | bahdanau | transformer.
inline std::string toy_yaml(const std::string& data, const std::string& out, const std::string& arch = "transformer") {
  std::string model;
  if (arch == "transformer")
    model = "  arch: transformer\n  d_model: 32\n  heads: 2\n  ffn: 64\n  enc_layers: 1\n  dec_layers: 1\n"
            "  dropout: 0.1\n  tied_embeddings: true\n";
  else if (arch == "bahdanau")
    model = "  arch: bahdanau\n  emb_dim: 16\n  hidden: 32\n  attn_dim: 16\n  dropout: 0.1\n";
  else
    model = "  arch: rnn\n  emb_dim: 16\n  hidden: 32\n  dropout: 0.0\n";
  return "name: toy\n"
         "data:\n"
         "  train: {src: " + data + "/train.src, tgt: " + data + "/train.tgt}\n"
         "  dev: {src: " + data + "/dev.src, tgt: " + data + "/dev.tgt}\n"
         "tokenizer:\n  type: word\n  vocab_size: 100\n  joint: true\n"
         "model:\n" + model +
         "train:\n  max_steps: 8\n  validate_every: 4\n  save_every: 4\n  log_every: 1\n  seed: 3\n"
         "  batch_tokens: 200\n  lr: 0.003\n  schedule: constant\n  warmup: 0\n  label_smoothing: 0.1\n"
         "  val_max_sentences: 10\n"
         "decode:\n  batch_size: 16\n"
         "output: " + out + "\n";
}

inline nmt::Config toy_config(const std::string& data, const std::string& out, const std::string& arch = "transformer",
                              const std::vector<std::string>& sets = {}) {
  return nmt::parse_config_text(toy_yaml(data, out, arch), "toy.yaml", sets);
}

}  // namespace nmt_test
