#include "nmt/config/config.h"

#include <sstream>

#include "nmt/config/yaml_reader.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

const std::vector<std::string> kArchs = {"rnn", "bahdanau", "transformer"};

FilePair read_pair(Reader r) {
  FilePair p;
  p.src = r.req<std::string>("src");
  p.tgt = r.req<std::string>("tgt");
  r.done();
  return p;
}

void positive(Reader& r, const std::string& key, int64_t v) {
  if (v <= 0) r.problem(key, "must be > 0, got " + std::to_string(v));
}
void non_negative(Reader& r, const std::string& key, double v) {
  if (v < 0) r.problem(key, "must be >= 0, got " + std::to_string(v));
}
void probability(Reader& r, const std::string& key, double v) {
  if (v < 0 || v >= 1) r.problem(key, "must be in [0, 1), got " + std::to_string(v));
}

DataConfig read_data(Reader r) {
  DataConfig d;
  d.train = read_pair(r.child("train"));
  d.dev = read_pair(r.child("dev"));
  if (r.has("test")) d.test = read_pair(r.child("test"));
  else r.child("test", /*required=*/false);  // registers "test" as a valid key
  d.max_len = r.opt<int64_t>("max_len", d.max_len);
  d.max_len_ratio = r.opt<double>("max_len_ratio", d.max_len_ratio);
  positive(r, "max_len", d.max_len);
  if (d.max_len_ratio < 1) r.problem("max_len_ratio", "must be >= 1, got " + std::to_string(d.max_len_ratio));
  r.done();
  return d;
}

TokenizerConfig read_tokenizer(Reader r) {
  TokenizerConfig t;
  t.type = r.choice("type", {"sentencepiece", "word"}, t.type);
  t.model_type = r.choice("model_type", {"unigram", "bpe"}, t.model_type);
  t.vocab_size = r.opt<int64_t>("vocab_size", t.vocab_size);
  t.joint = r.opt<bool>("joint", t.joint);
  t.character_coverage = r.opt<double>("character_coverage", t.character_coverage);
  t.input_sentence_size = r.opt<int64_t>("input_sentence_size", t.input_sentence_size);
  if (t.vocab_size < 8) r.problem("vocab_size", "must be >= 8, got " + std::to_string(t.vocab_size));
  if (t.character_coverage <= 0 || t.character_coverage > 1)
    r.problem("character_coverage", "must be in (0, 1], got " + std::to_string(t.character_coverage));
  positive(r, "input_sentence_size", t.input_sentence_size);
  r.done();
  return t;
}

RnnConfig read_rnn(Reader& r) {
  RnnConfig c;
  c.cell = r.choice("cell", {"gru", "lstm"}, c.cell);
  c.emb_dim = r.opt<int64_t>("emb_dim", c.emb_dim);
  c.hidden = r.opt<int64_t>("hidden", c.hidden);
  c.layers = r.opt<int64_t>("layers", c.layers);
  c.bidirectional = r.opt<bool>("bidirectional", c.bidirectional);
  c.dropout = r.opt<double>("dropout", c.dropout);
  c.tied_embeddings = r.opt<bool>("tied_embeddings", c.tied_embeddings);
  positive(r, "emb_dim", c.emb_dim);
  positive(r, "hidden", c.hidden);
  positive(r, "layers", c.layers);
  probability(r, "dropout", c.dropout);
  if (c.tied_embeddings && c.emb_dim != c.hidden)
    r.problem("tied_embeddings", "needs emb_dim == hidden (" + std::to_string(c.emb_dim) + " vs " +
                                     std::to_string(c.hidden) + ")");
  return c;
}

BahdanauConfig read_bahdanau(Reader& r) {
  BahdanauConfig c;
  c.cell = r.choice("cell", {"gru", "lstm"}, c.cell);
  c.emb_dim = r.opt<int64_t>("emb_dim", c.emb_dim);
  c.hidden = r.opt<int64_t>("hidden", c.hidden);
  c.enc_layers = r.opt<int64_t>("enc_layers", c.enc_layers);
  c.dec_layers = r.opt<int64_t>("dec_layers", c.dec_layers);
  c.attn_dim = r.opt<int64_t>("attn_dim", c.attn_dim);
  c.dropout = r.opt<double>("dropout", c.dropout);
  c.tied_embeddings = r.opt<bool>("tied_embeddings", c.tied_embeddings);
  positive(r, "emb_dim", c.emb_dim);
  positive(r, "hidden", c.hidden);
  positive(r, "enc_layers", c.enc_layers);
  positive(r, "dec_layers", c.dec_layers);
  positive(r, "attn_dim", c.attn_dim);
  probability(r, "dropout", c.dropout);
  if (c.hidden % 2 != 0)
    r.problem("hidden", "must be even (the bidirectional encoder uses hidden/2 per direction), got " +
                            std::to_string(c.hidden));
  return c;
}

TransformerConfig read_transformer(Reader& r) {
  TransformerConfig c;
  c.d_model = r.opt<int64_t>("d_model", c.d_model);
  c.heads = r.opt<int64_t>("heads", c.heads);
  c.ffn = r.opt<int64_t>("ffn", c.ffn);
  c.enc_layers = r.opt<int64_t>("enc_layers", c.enc_layers);
  c.dec_layers = r.opt<int64_t>("dec_layers", c.dec_layers);
  c.dropout = r.opt<double>("dropout", c.dropout);
  c.attention_dropout = r.opt<double>("attention_dropout", c.attention_dropout);
  c.norm = r.choice("norm", {"pre", "post"}, c.norm);
  c.tied_embeddings = r.opt<bool>("tied_embeddings", c.tied_embeddings);
  c.max_positions = r.opt<int64_t>("max_positions", c.max_positions);
  positive(r, "d_model", c.d_model);
  positive(r, "heads", c.heads);
  positive(r, "ffn", c.ffn);
  positive(r, "enc_layers", c.enc_layers);
  positive(r, "dec_layers", c.dec_layers);
  positive(r, "max_positions", c.max_positions);
  probability(r, "dropout", c.dropout);
  probability(r, "attention_dropout", c.attention_dropout);
  if (c.heads > 0 && c.d_model > 0 && c.d_model % c.heads != 0)
    r.problem("heads", "must divide model.d_model (" + std::to_string(c.d_model) + " % " +
                           std::to_string(c.heads) + " = " + std::to_string(c.d_model % c.heads) + ")");
  if (c.d_model % 2 != 0) r.problem("d_model", "must be even for sinusoidal positions");
  return c;
}

ModelConfig read_model(Reader r) {
  ModelConfig m;
  m.arch = r.req_choice("arch", kArchs);
  if (m.arch == "rnn") m.options = read_rnn(r);
  else if (m.arch == "bahdanau") m.options = read_bahdanau(r);
  else if (m.arch == "transformer") m.options = read_transformer(r);
  r.done();
  return m;
}

TrainConfig read_train(Reader r) {
  TrainConfig t;
  t.max_steps = r.opt<int64_t>("max_steps", t.max_steps);
  t.max_epochs = r.opt<int64_t>("max_epochs", t.max_epochs);
  t.max_minutes = r.opt<double>("max_minutes", t.max_minutes);
  t.validate_every = r.opt<int64_t>("validate_every", t.validate_every);
  t.save_every = r.opt<int64_t>("save_every", t.save_every);
  t.log_every = r.opt<int64_t>("log_every", t.log_every);
  t.seed = r.opt<int64_t>("seed", t.seed);
  t.batch_tokens = r.opt<int64_t>("batch_tokens", t.batch_tokens);
  t.accum_steps = r.opt<int64_t>("accum_steps", t.accum_steps);
  t.optimizer = r.choice("optimizer", {"adam", "adamw"}, t.optimizer);
  t.lr = r.opt<double>("lr", t.lr);
  t.beta1 = r.opt<double>("beta1", t.beta1);
  t.beta2 = r.opt<double>("beta2", t.beta2);
  t.eps = r.opt<double>("eps", t.eps);
  t.weight_decay = r.opt<double>("weight_decay", t.weight_decay);
  t.schedule = r.choice("schedule", {"noam", "constant", "plateau"}, t.schedule);
  t.warmup = r.opt<int64_t>("warmup", t.warmup);
  t.plateau_factor = r.opt<double>("plateau_factor", t.plateau_factor);
  t.plateau_patience = r.opt<int64_t>("plateau_patience", t.plateau_patience);
  t.min_lr = r.opt<double>("min_lr", t.min_lr);
  t.clip_norm = r.opt<double>("clip_norm", t.clip_norm);
  t.label_smoothing = r.opt<double>("label_smoothing", t.label_smoothing);
  t.patience = r.opt<int64_t>("patience", t.patience);
  t.metric = r.choice("metric", {"bleu", "chrf", "loss"}, t.metric);
  t.amp = r.choice("amp", {"off", "bf16", "fp16"}, t.amp);
  t.val_beam_size = r.opt<int64_t>("val_beam_size", t.val_beam_size);
  t.val_max_sentences = r.opt<int64_t>("val_max_sentences", t.val_max_sentences);
  t.max_nan_batches = r.opt<int64_t>("max_nan_batches", t.max_nan_batches);

  non_negative(r, "max_steps", static_cast<double>(t.max_steps));
  non_negative(r, "max_epochs", static_cast<double>(t.max_epochs));
  non_negative(r, "max_minutes", t.max_minutes);
  positive(r, "validate_every", t.validate_every);
  positive(r, "save_every", t.save_every);
  positive(r, "log_every", t.log_every);
  positive(r, "batch_tokens", t.batch_tokens);
  positive(r, "accum_steps", t.accum_steps);
  if (t.lr <= 0) r.problem("lr", "must be > 0, got " + std::to_string(t.lr));
  probability(r, "beta1", t.beta1);
  probability(r, "beta2", t.beta2);
  non_negative(r, "weight_decay", t.weight_decay);
  non_negative(r, "warmup", static_cast<double>(t.warmup));
  if (t.schedule == "noam" && t.warmup <= 0) r.problem("warmup", "must be > 0 with schedule: noam");
  if (t.plateau_factor <= 0 || t.plateau_factor >= 1)
    r.problem("plateau_factor", "must be in (0, 1), got " + std::to_string(t.plateau_factor));
  non_negative(r, "clip_norm", t.clip_norm);
  probability(r, "label_smoothing", t.label_smoothing);
  non_negative(r, "patience", static_cast<double>(t.patience));
  positive(r, "val_beam_size", t.val_beam_size);
  non_negative(r, "val_max_sentences", static_cast<double>(t.val_max_sentences));
  positive(r, "max_nan_batches", t.max_nan_batches);
  r.done();
  return t;
}

DecodeConfig read_decode(Reader r) {
  DecodeConfig d;
  d.beam_size = r.opt<int64_t>("beam_size", d.beam_size);
  d.nbest = r.opt<int64_t>("nbest", d.nbest);
  d.batch_size = r.opt<int64_t>("batch_size", d.batch_size);
  d.max_len_ratio = r.opt<double>("max_len_ratio", d.max_len_ratio);
  d.max_len_const = r.opt<int64_t>("max_len_const", d.max_len_const);
  d.length_penalty = r.opt<double>("length_penalty", d.length_penalty);
  positive(r, "beam_size", d.beam_size);
  positive(r, "nbest", d.nbest);
  positive(r, "batch_size", d.batch_size);
  if (d.max_len_ratio <= 0) r.problem("max_len_ratio", "must be > 0");
  non_negative(r, "max_len_const", static_cast<double>(d.max_len_const));
  non_negative(r, "length_penalty", d.length_penalty);
  if (d.nbest > d.beam_size)
    r.problem("nbest", "must be <= decode.beam_size (" + std::to_string(d.nbest) + " > " +
                           std::to_string(d.beam_size) + ")");
  r.done();
  return d;
}

Config read_config(YAML::Node root, std::shared_ptr<YamlSource> src) {
  Reader r(root, "", src);
  Config c;
  c.name = r.req<std::string>("name");
  c.data = read_data(r.child("data"));
  c.tokenizer = read_tokenizer(r.child("tokenizer", /*required=*/false));
  c.model = read_model(r.child("model"));
  c.train = read_train(r.child("train", /*required=*/false));
  c.decode = read_decode(r.child("decode", /*required=*/false));
  c.output = r.req<std::string>("output");
  // Cross-section checks.
  if (c.model.arch == "transformer" && std::holds_alternative<TransformerConfig>(c.model.options) &&
      c.transformer().tied_embeddings && !c.tokenizer.joint) {
    Reader m = r.child("model");
    m.problem("tied_embeddings", "needs a joint vocabulary (tokenizer.joint: true)");
  }
  r.done();
  if (!src->problems.empty()) throw ConfigError(src->problems);
  return c;
}

}  // namespace

Config parse_config_text(const std::string& yaml_text, const std::string& origin,
                         const std::vector<std::string>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError({origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                       std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg});
  }
  if (!root.IsMap()) throw ConfigError({origin + ": expected a mapping of sections at the top level"});
  auto src = std::make_shared<YamlSource>();
  src->file = origin;
  for (const auto& o : overrides) apply_override(root, o, *src);
  return read_config(root, src);
}

Config load_config(const std::string& file, const std::vector<std::string>& overrides) {
  YAML::Node root = load_yaml_file(file);
  auto src = std::make_shared<YamlSource>();
  src->file = file;
  for (const auto& o : overrides) apply_override(root, o, *src);
  return read_config(root, src);
}

std::string to_yaml(const Config& c) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << c.name;
  auto pair = [&](const char* k, const FilePair& p) {
    e << YAML::Key << k << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "src" << YAML::Value
      << p.src << YAML::Key << "tgt" << YAML::Value << p.tgt << YAML::EndMap;
  };
  e << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  pair("train", c.data.train);
  pair("dev", c.data.dev);
  if (!c.data.test.src.empty()) pair("test", c.data.test);
  e << YAML::Key << "max_len" << YAML::Value << c.data.max_len;
  e << YAML::Key << "max_len_ratio" << YAML::Value << c.data.max_len_ratio;
  e << YAML::EndMap;

  const auto& t = c.tokenizer;
  e << YAML::Key << "tokenizer" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "type" << YAML::Value << t.type;
  e << YAML::Key << "model_type" << YAML::Value << t.model_type;
  e << YAML::Key << "vocab_size" << YAML::Value << t.vocab_size;
  e << YAML::Key << "joint" << YAML::Value << t.joint;
  e << YAML::Key << "character_coverage" << YAML::Value << t.character_coverage;
  e << YAML::Key << "input_sentence_size" << YAML::Value << t.input_sentence_size;
  e << YAML::EndMap;

  e << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "arch" << YAML::Value << c.model.arch;
  if (auto* r = std::get_if<RnnConfig>(&c.model.options)) {
    e << YAML::Key << "cell" << YAML::Value << r->cell << YAML::Key << "emb_dim" << YAML::Value << r->emb_dim
      << YAML::Key << "hidden" << YAML::Value << r->hidden << YAML::Key << "layers" << YAML::Value << r->layers
      << YAML::Key << "bidirectional" << YAML::Value << r->bidirectional << YAML::Key << "dropout"
      << YAML::Value << r->dropout << YAML::Key << "tied_embeddings" << YAML::Value << r->tied_embeddings;
  } else if (auto* b = std::get_if<BahdanauConfig>(&c.model.options)) {
    e << YAML::Key << "cell" << YAML::Value << b->cell << YAML::Key << "emb_dim" << YAML::Value << b->emb_dim
      << YAML::Key << "hidden" << YAML::Value << b->hidden << YAML::Key << "enc_layers" << YAML::Value
      << b->enc_layers << YAML::Key << "dec_layers" << YAML::Value << b->dec_layers << YAML::Key << "attn_dim"
      << YAML::Value << b->attn_dim << YAML::Key << "dropout" << YAML::Value << b->dropout << YAML::Key
      << "tied_embeddings" << YAML::Value << b->tied_embeddings;
  } else if (auto* x = std::get_if<TransformerConfig>(&c.model.options)) {
    e << YAML::Key << "d_model" << YAML::Value << x->d_model << YAML::Key << "heads" << YAML::Value << x->heads
      << YAML::Key << "ffn" << YAML::Value << x->ffn << YAML::Key << "enc_layers" << YAML::Value << x->enc_layers
      << YAML::Key << "dec_layers" << YAML::Value << x->dec_layers << YAML::Key << "dropout" << YAML::Value
      << x->dropout << YAML::Key << "attention_dropout" << YAML::Value << x->attention_dropout << YAML::Key
      << "norm" << YAML::Value << x->norm << YAML::Key << "tied_embeddings" << YAML::Value
      << x->tied_embeddings << YAML::Key << "max_positions" << YAML::Value << x->max_positions;
  }
  e << YAML::EndMap;

  const auto& r = c.train;
  e << YAML::Key << "train" << YAML::Value << YAML::BeginMap;
#define KV(k) e << YAML::Key << #k << YAML::Value << r.k
  KV(max_steps); KV(max_epochs); KV(max_minutes); KV(validate_every); KV(save_every); KV(log_every);
  KV(seed); KV(batch_tokens); KV(accum_steps); KV(optimizer); KV(lr); KV(beta1); KV(beta2); KV(eps);
  KV(weight_decay); KV(schedule); KV(warmup); KV(plateau_factor); KV(plateau_patience); KV(min_lr);
  KV(clip_norm); KV(label_smoothing); KV(patience); KV(metric); KV(amp); KV(val_beam_size);
  KV(val_max_sentences); KV(max_nan_batches);
#undef KV
  e << YAML::EndMap;

  const auto& d = c.decode;
  e << YAML::Key << "decode" << YAML::Value << YAML::BeginMap;
#define KV(k) e << YAML::Key << #k << YAML::Value << d.k
  KV(beam_size); KV(nbest); KV(batch_size); KV(max_len_ratio); KV(max_len_const); KV(length_penalty);
#undef KV
  e << YAML::EndMap;
  e << YAML::Key << "output" << YAML::Value << c.output;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace nmt
