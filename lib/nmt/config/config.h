// The typed configuration: every section of a YAML config as a plain struct.
// Read with load_config(); every problem is reported at once as a ConfigError.
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace nmt {

struct FilePair {
  std::string src;
  std::string tgt;
};

struct DataConfig {
  FilePair train, dev, test;
  int64_t max_len = 128;        // training pairs longer than this (in tokens, either side) are skipped
  double max_len_ratio = 3.0;   // ... and pairs whose length ratio exceeds this
};

struct TokenizerConfig {
  std::string type = "sentencepiece";  // sentencepiece | word (whitespace-split symbols)
  std::string model_type = "unigram";  // unigram | bpe   (sentencepiece only)
  int64_t vocab_size = 8000;           // sentencepiece target size; word: upper bound
  bool joint = true;                   // one vocabulary for source and target
  double character_coverage = 1.0;
  int64_t input_sentence_size = 2000000;  // sentences sampled to train SentencePiece
};

struct RnnConfig {            // arch: rnn (no attention)
  std::string cell = "gru";   // gru | lstm
  int64_t emb_dim = 256;
  int64_t hidden = 512;
  int64_t layers = 1;         // encoder and decoder layers
  bool bidirectional = false; // encoder; final states are bridged to the decoder size
  double dropout = 0.1;
  bool tied_embeddings = false;  // decoder input embedding == output projection
};

struct BahdanauConfig {       // arch: bahdanau
  std::string cell = "gru";
  int64_t emb_dim = 256;
  int64_t hidden = 512;       // decoder state size; the bidirectional encoder uses hidden/2 per direction
  int64_t enc_layers = 1;
  int64_t dec_layers = 1;
  int64_t attn_dim = 512;     // additive attention inner size
  double dropout = 0.1;
  bool tied_embeddings = false;
};

struct TransformerConfig {    // arch: transformer
  int64_t d_model = 256;
  int64_t heads = 4;
  int64_t ffn = 1024;
  int64_t enc_layers = 3;
  int64_t dec_layers = 3;
  double dropout = 0.1;
  double attention_dropout = 0.0;
  std::string norm = "pre";   // pre | post
  bool tied_embeddings = true;  // source, target and output embeddings share weights (joint vocab)
  int64_t max_positions = 1024;
};

struct ModelConfig {
  std::string arch;  // rnn | bahdanau | transformer
  std::variant<RnnConfig, BahdanauConfig, TransformerConfig> options;
};

struct TrainConfig {
  int64_t max_steps = 0;        // 0 = no limit
  int64_t max_epochs = 0;       // 0 = no limit
  double max_minutes = 0;       // 0 = no limit (wall clock of this run)
  int64_t validate_every = 1000;
  int64_t save_every = 1000;
  int64_t log_every = 100;
  int64_t seed = 1234;
  int64_t batch_tokens = 4096;  // target tokens per batch (before accumulation)
  int64_t accum_steps = 1;
  std::string optimizer = "adam";  // adam | adamw
  double lr = 5e-4;
  double beta1 = 0.9, beta2 = 0.98;
  double eps = 1e-9;
  double weight_decay = 0.0;
  std::string schedule = "noam";   // noam | constant | plateau
  int64_t warmup = 4000;           // noam warmup steps (also linear warmup for constant/plateau if > 0)
  double plateau_factor = 0.5;
  int64_t plateau_patience = 3;
  double min_lr = 1e-6;
  double clip_norm = 1.0;          // 0 = off
  double label_smoothing = 0.1;
  int64_t patience = 0;            // early stopping on `metric`; 0 = off
  std::string metric = "bleu";     // bleu | chrf | loss
  std::string amp = "off";         // off | bf16 | fp16 (CUDA only)
  int64_t val_beam_size = 1;       // 1 = greedy
  int64_t val_max_sentences = 0;   // decode at most this many dev sentences for BLEU; 0 = all
  int64_t max_nan_batches = 5;     // abort after this many non-finite losses in a row
};

struct DecodeConfig {
  int64_t beam_size = 5;
  int64_t nbest = 1;
  int64_t batch_size = 32;        // sentences per search batch
  double max_len_ratio = 1.5;     // max output length = ratio * source length + max_len_const
  int64_t max_len_const = 10;
  double length_penalty = 0.6;    // GNMT alpha; 0 = off
};

struct Config {
  std::string name;
  DataConfig data;
  TokenizerConfig tokenizer;
  ModelConfig model;
  TrainConfig train;
  DecodeConfig decode;
  std::string output;  // the model directory

  const RnnConfig& rnn() const { return std::get<RnnConfig>(model.options); }
  const BahdanauConfig& bahdanau() const { return std::get<BahdanauConfig>(model.options); }
  const TransformerConfig& transformer() const { return std::get<TransformerConfig>(model.options); }
};

// Reads `file`, applies each "dotted.key=value" in `overrides`, validates and returns the
// config. Throws ConfigError listing every problem (key, message, file:line:col).
Config load_config(const std::string& file, const std::vector<std::string>& overrides = {});

// Parses already-loaded YAML text (used for the copy saved in a model directory).
Config parse_config_text(const std::string& yaml_text, const std::string& origin,
                         const std::vector<std::string>& overrides = {});

// The fully resolved config as YAML (every key, defaults included), as saved in model dirs.
std::string to_yaml(const Config& cfg);

}  // namespace nmt
