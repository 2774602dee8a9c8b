// The typed configuration: every section of a YAML config as a plain struct, every choice an
// enum. Read with load_config(); every problem is reported at once as a ConfigError.
// Each section has one field table (config.cpp) that drives reading, writing and per-key checks.
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "nmt/decoding/decoding_options.h"
#include "nmt/models/options.h"
#include "nmt/util/enum_names.h"

namespace nmt {

struct FilePair {
  std::string src;
  std::string tgt;
};

struct DataConfig {
  FilePair train, dev, test;    // test is optional (empty src/tgt)
  std::string src_lang, tgt_lang;  // language codes, e.g. es / en (the server's language pair)
  int64_t max_len = 128;        // training pairs longer than this (in tokens, either side) are skipped
  double max_len_ratio = 3.0;   // ... and pairs whose length ratio exceeds this
};

// src_lang/tgt_lang: language codes as in BCP 47 ("en", "pt-BR", "zh-Hant"), set together or
// not at all.
OptionProblems check(const DataConfig& d);

enum class TokenizerType { SentencePiece, Word };  // word: whitespace-split symbols
enum class SpmModelType { Unigram, BPE };
template <>
struct EnumNames<TokenizerType> {
  static constexpr std::pair<TokenizerType, const char*> values[] = {{TokenizerType::SentencePiece, "sentencepiece"},
                                                                     {TokenizerType::Word, "word"}};
};
template <>
struct EnumNames<SpmModelType> {
  static constexpr std::pair<SpmModelType, const char*> values[] = {{SpmModelType::Unigram, "unigram"},
                                                                    {SpmModelType::BPE, "bpe"}};
};

struct TokenizerConfig {
  TokenizerType type = TokenizerType::SentencePiece;
  SpmModelType model_type = SpmModelType::Unigram;  // sentencepiece only
  int64_t vocab_size = 8000;           // sentencepiece target size; word: upper bound
  bool joint = true;                   // one vocabulary for source and target
  double character_coverage = 1.0;
  int64_t input_sentence_size = 2000000;  // sentences sampled to train SentencePiece
};

// model: the architecture and its options (models/options.h; the vocabulary sizes come from
// the tokenizers when the model is built).
struct ModelConfig {
  Arch arch = Arch::Transformer;
  std::variant<RnnOptions, BahdanauOptions, TransformerOptions> options;
};

enum class OptimizerKind { Adam, AdamW };
// linear: warmup, then a linear decay to zero at the end of the budget (training/schedule.h).
enum class ScheduleKind { Noam, Constant, Plateau, Linear };
enum class DevMetric { BLEU, ChrF, Loss };
enum class AmpMode { Off, BF16, FP16 };
enum class DistBackend { Auto, Gloo, NCCL };  // data-parallel communication (auto: Gloo on CPU, NCCL on CUDA)
template <>
struct EnumNames<OptimizerKind> {
  static constexpr std::pair<OptimizerKind, const char*> values[] = {{OptimizerKind::Adam, "adam"},
                                                                     {OptimizerKind::AdamW, "adamw"}};
};
template <>
struct EnumNames<ScheduleKind> {
  static constexpr std::pair<ScheduleKind, const char*> values[] = {
      {ScheduleKind::Noam, "noam"}, {ScheduleKind::Constant, "constant"}, {ScheduleKind::Plateau, "plateau"},
      {ScheduleKind::Linear, "linear"}};
};
template <>
struct EnumNames<DevMetric> {
  static constexpr std::pair<DevMetric, const char*> values[] = {
      {DevMetric::BLEU, "bleu"}, {DevMetric::ChrF, "chrf"}, {DevMetric::Loss, "loss"}};
};
template <>
struct EnumNames<AmpMode> {
  static constexpr std::pair<AmpMode, const char*> values[] = {
      {AmpMode::Off, "off"}, {AmpMode::BF16, "bf16"}, {AmpMode::FP16, "fp16"}};
};
template <>
struct EnumNames<DistBackend> {
  static constexpr std::pair<DistBackend, const char*> values[] = {
      {DistBackend::Auto, "auto"}, {DistBackend::Gloo, "gloo"}, {DistBackend::NCCL, "nccl"}};
};

struct TrainConfig {
  int64_t max_steps = 0;        // 0 = no limit
  int64_t max_epochs = 0;       // 0 = no limit
  double max_minutes = 0;       // 0 = no limit (wall clock of the training; a resumed run continues it)
  int64_t validate_every = 1000;
  int64_t validations = 0;      // > 0: this many dev evaluations evenly spaced over the budget (the last at
                                // its end) instead of every validate_every steps; 0 = validate_every
  int64_t save_every = 1000;
  int64_t log_every = 100;
  int64_t seed = 1234;
  int64_t batch_tokens = 4096;  // target tokens per batch (before accumulation)
  int64_t accum_steps = 1;
  OptimizerKind optimizer = OptimizerKind::Adam;
  double lr = 5e-4;
  double beta1 = 0.9, beta2 = 0.98;
  double eps = 1e-9;
  double weight_decay = 0.0;
  ScheduleKind schedule = ScheduleKind::Noam;
  int64_t warmup = 4000;           // noam warmup steps (also linear warmup for constant/plateau if > 0)
  double plateau_factor = 0.5;
  int64_t plateau_patience = 3;
  double min_lr = 1e-6;
  double clip_norm = 1.0;          // 0 = off
  double label_smoothing = 0.1;
  int64_t patience = 0;            // early stopping on `metric`; 0 = off
  DevMetric metric = DevMetric::BLEU;
  AmpMode amp = AmpMode::Off;      // CUDA only
  int64_t val_beam_size = 1;       // 1 = greedy
  int64_t val_max_sentences = 0;   // decode at most this many dev sentences for BLEU; 0 = all
  int64_t max_nan_batches = 5;     // abort after this many non-finite losses in a row
  int64_t keep_checkpoints = 0;    // also save step-<N>.pt at every save, keeping the newest K (0 = none)
  // Data-parallel training (several processes, see README "Training on several GPUs or machines").
  DistBackend dist_backend = DistBackend::Auto;
  double dist_timeout = 300;       // seconds a collective may wait for another rank before failing
  double dist_bucket_mb = 8;       // gradients are all-reduced in buckets of about this many MiB
};

// Cross-field rules of the train section (per-key ranges are in its field table).
OptionProblems check(const TrainConfig& t);

// decode: the model's default search settings, plus how many sentences a search batch holds.
struct DecodeConfig : DecodingOptions {
  int64_t batch_size = 32;
};

struct Config {
  std::string name;
  DataConfig data;
  TokenizerConfig tokenizer;
  ModelConfig model;
  TrainConfig train;
  DecodeConfig decode;
  std::string output;  // the model directory

  const RnnOptions& rnn() const { return std::get<RnnOptions>(model.options); }
  const BahdanauOptions& bahdanau() const { return std::get<BahdanauOptions>(model.options); }
  const TransformerOptions& transformer() const { return std::get<TransformerOptions>(model.options); }
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
