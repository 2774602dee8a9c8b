#include "nmt/config/config.h"

#include <algorithm>
#include <cctype>

#include "nmt/config/field_table.h"
#include "nmt/config/yaml_reader.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

// ---- one field table per section ----------------------------------------------------------

const FieldTable<DataConfig>& data_fields() {
  static const auto t = FieldTable<DataConfig>()
                            .add("src_lang", &DataConfig::src_lang)
                            .add("tgt_lang", &DataConfig::tgt_lang)
                            .add("max_len", &DataConfig::max_len, Range::positive())
                            .add("max_len_ratio", &DataConfig::max_len_ratio, Range::at_least(1));
  return t;
}

const FieldTable<TokenizerConfig>& tokenizer_fields() {
  using T = TokenizerConfig;
  static const auto t = FieldTable<T>()
                            .add("type", &T::type)
                            .add("model_type", &T::model_type)
                            .add("vocab_size", &T::vocab_size, Range::at_least(8))
                            .add("joint", &T::joint)
                            .add("character_coverage", &T::character_coverage, Range::unit_interval())
                            .add("input_sentence_size", &T::input_sentence_size, Range::positive());
  return t;
}

// Model options: ranges and cross-field rules come from check() in models/options.h.
const FieldTable<RnnOptions>& fields(const RnnOptions*) {
  using O = RnnOptions;
  static const auto t = FieldTable<O>()
                            .add("cell", &O::cell)
                            .add("emb_dim", &O::emb_dim)
                            .add("hidden", &O::hidden)
                            .add("layers", &O::layers)
                            .add("bidirectional", &O::bidirectional)
                            .add("dropout", &O::dropout)
                            .add("tied_embeddings", &O::tied_embeddings);
  return t;
}

const FieldTable<BahdanauOptions>& fields(const BahdanauOptions*) {
  using O = BahdanauOptions;
  static const auto t = FieldTable<O>()
                            .add("cell", &O::cell)
                            .add("emb_dim", &O::emb_dim)
                            .add("hidden", &O::hidden)
                            .add("enc_layers", &O::enc_layers)
                            .add("dec_layers", &O::dec_layers)
                            .add("attn_dim", &O::attn_dim)
                            .add("dropout", &O::dropout)
                            .add("tied_embeddings", &O::tied_embeddings);
  return t;
}

const FieldTable<TransformerOptions>& fields(const TransformerOptions*) {
  using O = TransformerOptions;
  static const auto t = FieldTable<O>()
                            .add("d_model", &O::d_model)
                            .add("heads", &O::heads)
                            .add("ffn", &O::ffn)
                            .add("enc_layers", &O::enc_layers)
                            .add("dec_layers", &O::dec_layers)
                            .add("dropout", &O::dropout)
                            .add("attention_dropout", &O::attention_dropout)
                            .add("norm", &O::norm)
                            .add("tied_embeddings", &O::tied_embeddings)
                            .add("max_positions", &O::max_positions);
  return t;
}

const FieldTable<TrainConfig>& train_fields() {
  using T = TrainConfig;
  static const auto t = FieldTable<T>()
                            .add("max_steps", &T::max_steps, Range::non_negative())
                            .add("max_epochs", &T::max_epochs, Range::non_negative())
                            .add("max_minutes", &T::max_minutes, Range::non_negative())
                            .add("validate_every", &T::validate_every, Range::positive())
                            .add("validations", &T::validations, Range::non_negative())
                            .add("save_every", &T::save_every, Range::positive())
                            .add("log_every", &T::log_every, Range::positive())
                            .add("seed", &T::seed)
                            .add("batch_tokens", &T::batch_tokens, Range::positive())
                            .add("accum_steps", &T::accum_steps, Range::positive())
                            .add("optimizer", &T::optimizer)
                            .add("lr", &T::lr, Range::positive())
                            .add("beta1", &T::beta1, Range::probability())
                            .add("beta2", &T::beta2, Range::probability())
                            .add("eps", &T::eps, Range::non_negative())
                            .add("weight_decay", &T::weight_decay, Range::non_negative())
                            .add("schedule", &T::schedule)
                            .add("warmup", &T::warmup, Range::non_negative())
                            .add("plateau_factor", &T::plateau_factor, Range::open_unit())
                            .add("plateau_patience", &T::plateau_patience, Range::positive())
                            .add("min_lr", &T::min_lr, Range::non_negative())
                            .add("clip_norm", &T::clip_norm, Range::non_negative())
                            .add("label_smoothing", &T::label_smoothing, Range::probability())
                            .add("patience", &T::patience, Range::non_negative())
                            .add("metric", &T::metric)
                            .add("amp", &T::amp)
                            .add("val_beam_size", &T::val_beam_size, Range::positive())
                            .add("val_max_sentences", &T::val_max_sentences, Range::non_negative())
                            .add("max_nan_batches", &T::max_nan_batches, Range::positive())
                            .add("keep_checkpoints", &T::keep_checkpoints, Range::non_negative())
                            .add("dist_backend", &T::dist_backend)
                            .add("dist_timeout", &T::dist_timeout, Range::at_least(1))
                            .add("dist_bucket_mb", &T::dist_bucket_mb, Range::positive());
  return t;
}

// Decoding options: ranges and the nbest ≤ beam rule come from check() in decoding_options.h.
const FieldTable<DecodeConfig>& decode_fields() {
  using D = DecodeConfig;
  static const auto t = FieldTable<D>()
                            .add("beam_size", &D::beam_size)
                            .add("nbest", &D::nbest)
                            .add("batch_size", &D::batch_size, Range::positive())
                            .add("max_len_ratio", &D::max_len_ratio)
                            .add("max_len_const", &D::max_len_const)
                            .add("length_penalty", &D::length_penalty);
  return t;
}

// ---- reading ------------------------------------------------------------------------------

FilePair read_pair(Reader r) {
  FilePair p;
  p.src = r.req<std::string>("src");
  p.tgt = r.req<std::string>("tgt");
  r.done();
  return p;
}

DataConfig read_data(Reader r) {
  DataConfig d;
  d.train = read_pair(r.child("train"));
  d.dev = read_pair(r.child("dev"));
  if (r.has("test")) d.test = read_pair(r.child("test"));
  else r.child("test", /*required=*/false);  // registers "test" as a valid key
  data_fields().read(r, d);
  report(r, check(d));
  r.done();
  return d;
}

template <typename S>
S read_section(Reader r, const FieldTable<S>& table) {
  S s;
  table.read(r, s);
  r.done();
  return s;
}

template <typename Options>
Options read_model_options(Reader& r) {
  Options o;
  fields(&o).read(r, o);
  report(r, check(o));
  return o;
}

ModelConfig read_model(Reader r) {
  ModelConfig m;
  const std::string arch = r.req_choice("arch", {"rnn", "bahdanau", "transformer"});
  if (auto a = enum_from_name<Arch>(arch)) {
    m.arch = *a;
    switch (*a) {
      case Arch::RNN: m.options = read_model_options<RnnOptions>(r); break;
      case Arch::Bahdanau: m.options = read_model_options<BahdanauOptions>(r); break;
      case Arch::Transformer: m.options = read_model_options<TransformerOptions>(r); break;
    }
  }
  r.done();
  return m;
}

TrainConfig read_train(Reader r) {
  TrainConfig t;
  train_fields().read(r, t);
  report(r, check(t));
  r.done();
  return t;
}

DecodeConfig read_decode(Reader r) {
  DecodeConfig d;
  decode_fields().read(r, d);
  report(r, check(static_cast<const DecodingOptions&>(d)));
  r.done();
  return d;
}

Config read_config(YAML::Node root, std::shared_ptr<YamlSource> src) {
  Reader r(root, "", src);
  Config c;
  c.name = r.req<std::string>("name");
  c.data = read_data(r.child("data"));
  c.tokenizer = read_section(r.child("tokenizer", /*required=*/false), tokenizer_fields());
  c.model = read_model(r.child("model"));
  c.train = read_train(r.child("train", /*required=*/false));
  c.decode = read_decode(r.child("decode", /*required=*/false));
  c.output = r.req<std::string>("output");
  // Cross-section checks.
  if (auto* t = std::get_if<TransformerOptions>(&c.model.options); t && t->tied_embeddings() && !c.tokenizer.joint) {
    Reader m = r.child("model");
    m.problem("tied_embeddings", "needs a joint vocabulary (tokenizer.joint: true)");
  }
  r.done();
  if (!src->problems.empty()) throw ConfigError(src->problems);
  return c;
}

// ---- writing ------------------------------------------------------------------------------

template <typename S>
void write_section(YAML::Emitter& e, const char* key, const FieldTable<S>& table, const S& s) {
  e << YAML::Key << key << YAML::Value << YAML::BeginMap;
  table.write(e, s);
  e << YAML::EndMap;
}

void write_pair(YAML::Emitter& e, const char* key, const FilePair& p) {
  e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "src" << YAML::Value << p.src
    << YAML::Key << "tgt" << YAML::Value << p.tgt << YAML::EndMap;
}

void write_data(YAML::Emitter& e, const DataConfig& d) {
  e << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  write_pair(e, "train", d.train);
  write_pair(e, "dev", d.dev);
  if (!d.test.src.empty()) write_pair(e, "test", d.test);
  data_fields().write(e, d);
  e << YAML::EndMap;
}

void write_model(YAML::Emitter& e, const ModelConfig& m) {
  e << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "arch" << YAML::Value << enum_name(m.arch);
  std::visit([&](const auto& o) { fields(&o).write(e, o); }, m.options);
  e << YAML::EndMap;
}

YAML::Node parse_yaml_text(const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError({origin + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                       ": YAML syntax error: " + e.msg});
  }
  if (!root.IsMap()) throw ConfigError({origin + ": expected a mapping of sections at the top level"});
  return root;
}

Config read_with_overrides(YAML::Node root, const std::string& origin, const std::vector<std::string>& overrides) {
  auto src = std::make_shared<YamlSource>();
  src->file = origin;
  for (const auto& o : overrides) apply_override(root, o, *src);
  return read_config(root, src);
}

}  // namespace

namespace {

// 2-3 letters, then optional "-subtag"s of 1-8 letters or digits ("en", "pt-BR", "zh-Hant").
bool language_code(const std::string& v) {
  std::vector<std::string> parts(1);
  for (char c : v) {
    if (c == '-') parts.emplace_back();
    else parts.back().push_back(c);
  }
  auto all = [](const std::string& p, int (*pred)(int)) {
    return std::all_of(p.begin(), p.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
  };
  bool ok = parts[0].size() >= 2 && parts[0].size() <= 3 && all(parts[0], std::isalpha);
  for (size_t i = 1; i < parts.size(); ++i)
    ok = ok && !parts[i].empty() && parts[i].size() <= 8 && all(parts[i], std::isalnum);
  return ok;
}

}  // namespace

OptionProblems check(const DataConfig& d) {
  OptionProblems p;
  auto code = [&p](const char* key, const std::string& v) {
    if (!v.empty() && !language_code(v))
      p.push_back({key, "expected a language code like en, es or pt-BR, got \"" + v + "\""});
  };
  code("src_lang", d.src_lang);
  code("tgt_lang", d.tgt_lang);
  if (d.src_lang.empty() != d.tgt_lang.empty())
    p.push_back({d.src_lang.empty() ? "src_lang" : "tgt_lang", "set both src_lang and tgt_lang, or neither"});
  return p;
}

OptionProblems check(const TrainConfig& t) {
  OptionProblems p;
  if (t.schedule == ScheduleKind::Noam && t.warmup <= 0) p.push_back({"warmup", "must be > 0 with schedule: noam"});
  if (t.schedule == ScheduleKind::Linear && t.max_steps <= 0 && t.max_epochs <= 0 && t.max_minutes <= 0)
    p.push_back({"schedule", "linear decays to zero at the end of the budget: set train.max_steps, max_epochs or "
                             "max_minutes"});
  return p;
}

Config parse_config_text(const std::string& yaml_text, const std::string& origin,
                         const std::vector<std::string>& overrides) {
  return read_with_overrides(parse_yaml_text(yaml_text, origin), origin, overrides);
}

Config load_config(const std::string& file, const std::vector<std::string>& overrides) {
  return read_with_overrides(load_yaml_file(file), file, overrides);
}

std::string to_yaml(const Config& c) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << c.name;
  write_data(e, c.data);
  write_section(e, "tokenizer", tokenizer_fields(), c.tokenizer);
  write_model(e, c.model);
  write_section(e, "train", train_fields(), c.train);
  write_section(e, "decode", decode_fields(), c.decode);
  e << YAML::Key << "output" << YAML::Value << c.output;
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace nmt
