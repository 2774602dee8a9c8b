// nmt compare in three parts: train (or take) the models, evaluate each on the shared test
// set, and assemble the report. Nothing here asks which architecture a model is: titles and
// attention views come from the model contract.
#include "nmt/compare/compare.h"

#include <chrono>
#include <filesystem>
#include <sstream>

#include "nmt/config/config.h"
#include "nmt/data/corpus.h"
#include "nmt/decoding/translator.h"
#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/report/report.h"
#include "nmt/training/metrics_log.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/trainer.h"
#include "nmt/util/device.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "nmt/util/json.h"

namespace fs = std::filesystem;

namespace nmt {

const std::vector<std::string>& length_bucket_labels() {
  static const std::vector<std::string> labels = {"1–10", "11–20", "21–30", "31–50", "51+"};
  return labels;
}

int length_bucket(size_t words) {
  if (words <= 10) return 0;
  if (words <= 20) return 1;
  if (words <= 30) return 2;
  if (words <= 50) return 3;
  return 4;
}

namespace {

size_t word_count(const std::string& s) {
  std::istringstream in(s);
  size_t n = 0;
  std::string w;
  while (in >> w) ++n;
  return n;
}

std::optional<double> optional_number(const Json& rec, const char* key) {
  const double v = json_number(rec, key, NAN);
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

// Fills the training figures of `m` from the model directory's metrics.jsonl and state.
void read_training_record(const std::string& dir, ModelSummary& m) {
  double tps_sum = 0;
  int64_t tps_n = 0;
  for (const Json& rec : read_metrics_log((fs::path(dir) / "metrics.jsonl").string())) {
    const std::string type = rec.value("type", "");
    if (type == "train") {
      if (auto t = optional_number(rec, "tokens_per_s")) tps_sum += *t, ++tps_n;
      auto rss = optional_number(rec, "peak_rss_mib");  // the training process's peak resident memory so far
      if (rss && (!m.peak_memory_mib || *rss > *m.peak_memory_mib)) m.peak_memory_mib = rss;
    } else if (type == "dev") {
      CurvePoint p;
      p.step = static_cast<int64_t>(json_number(rec, "step", 0));
      if (auto wall = optional_number(rec, "wall")) p.wall_minutes = *wall / 60.0;
      p.dev_bleu = optional_number(rec, "bleu");
      p.dev_loss = optional_number(rec, "loss");
      m.curve.push_back(p);
      if (p.dev_bleu && (!m.best_dev_bleu || *p.dev_bleu > *m.best_dev_bleu)) m.best_dev_bleu = p.dev_bleu;
    }
  }
  if (tps_n > 0) m.train_tgt_tokens_per_s = tps_sum / static_cast<double>(tps_n);
  const fs::path state = fs::path(dir) / "train_state.json";
  if (fs::exists(state)) {
    const Json s = read_json_file(state.string());
    if (auto step = optional_number(s, "step")) m.train_steps = static_cast<int64_t>(*step);
    if (auto wall = optional_number(s, "wall_seconds")) m.train_wall_minutes = *wall / 60.0;
  }
}

HeatmapData heatmap_of(const Translation& t, const std::string& title) {
  HeatmapData h;
  h.title = title;
  h.src = t.src_pieces;
  h.tgt = t.tgt_pieces;
  torch::Tensor a = t.attention.to(torch::kCPU, torch::kFloat).contiguous();
  auto acc = a.accessor<float, 2>();
  h.weights.assign(a.size(0), std::vector<float>(a.size(1)));
  for (int64_t i = 0; i < a.size(0); ++i)
    for (int64_t j = 0; j < a.size(1); ++j) h.weights[i][j] = acc[i][j];
  return h;
}

// ---- 1. training --------------------------------------------------------------------------

// Loads every config and checks them all before training any: two models must not share a
// directory, and a directory that already holds a trained model is never overwritten.
std::vector<Config> load_configs(const CompareOptions& opt) {
  std::vector<Config> cfgs;
  for (const auto& file : opt.configs) {
    std::vector<std::string> sets = opt.overrides;
    if (opt.budget_minutes > 0) {
      std::ostringstream b;
      b << "train.max_minutes=" << opt.budget_minutes;
      sets.push_back(b.str());
    }
    Config cfg = load_config(file, sets);
    if (!opt.models_dir.empty()) cfg.output = (fs::path(opt.models_dir) / cfg.name).string();
    for (size_t k = 0; k < cfgs.size(); ++k)
      if (fs::path(cfgs[k].output).lexically_normal() == fs::path(cfg.output).lexically_normal())
        throw UsageError("compare: " + opt.configs[k] + " and " + file + " both train into " + cfg.output +
                         "; give them different `output` (or names, with --models-dir)");
    if (has_training_state(cfg.output))
      throw UsageError("compare: " + cfg.output + " already holds a trained model (from " + file +
                       "); reuse it with --models " + cfg.output + ", or train elsewhere with --models-dir DIR");
    cfgs.push_back(std::move(cfg));
  }
  return cfgs;
}

// Trains the configs one after another; returns the model directories to compare.
std::vector<std::string> train_all(const CompareOptions& opt) {
  std::vector<std::string> dirs;
  for (const Config& cfg : load_configs(opt)) {
    spdlog::info("compare: training {} ({}) into {}", cfg.name, enum_name(cfg.model.arch), cfg.output);
    reset_peak_rss();
    TrainOptions to;
    to.device = opt.device;
    to.live_progress = opt.live_progress;
    TrainResult r = train_model(cfg, to);
    spdlog::info("compare: {} trained {} steps in {:.1f} min, peak RSS {:.0f} MiB", cfg.name, r.steps,
                 r.wall_seconds / 60.0, peak_rss_mib());
    dirs.push_back(cfg.output);
  }
  for (const auto& d : opt.models) dirs.push_back(d);
  return dirs;
}

// ---- 2. the shared test set and per-model evaluation ---------------------------------------

struct TestSet {
  FilePair files;
  ParallelText text;
  std::vector<std::vector<size_t>> bucket_rows;  // rows per source-length bucket
  std::vector<size_t> example_rows;              // example sentences; the longest is last
  size_t attention_row = 0;                      // the sentence whose attention is shown
};

TestSet load_test_set(const std::string& first_dir, int64_t examples) {
  TestSet t;
  const Config first = load_config((fs::path(first_dir) / "config.yaml").string());  // config only
  t.files = first.data.test.src.empty() ? first.data.dev : first.data.test;
  t.text = read_parallel(t.files);
  const ParallelText& text = t.text;
  if (text.size() == 0) throw DataError(t.files.src + ": the test set is empty");
  t.bucket_rows.resize(length_bucket_labels().size());
  size_t longest = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    t.bucket_rows[length_bucket(word_count(text.src[i]))].push_back(i);
    if (word_count(text.src[i]) > word_count(text.src[longest])) longest = i;
  }
  // Evenly spaced sentences of moderate length, then the longest one.
  for (size_t i = 0; i < text.size() && static_cast<int64_t>(t.example_rows.size()) + 1 < examples;
       i += std::max<size_t>(1, text.size() / std::max<int64_t>(1, examples))) {
    const size_t w = word_count(text.src[i]);
    if (i != longest && w >= 8 && w <= 25) t.example_rows.push_back(i);
  }
  t.example_rows.push_back(longest);
  t.attention_row = t.example_rows.front();  // the first moderate one (or the longest if none)
  return t;
}

// Decodes the test set at beam 1 and at opt.beam_size (timed); fills speed, BLEU, chrF and
// BLEU by bucket of `m`, and returns the beam-opt.beam_size hypotheses.
std::vector<std::string> score_model(const CompareOptions& opt, LoadedModel& lm, const TestSet& t, ModelSummary& m) {
  SearchOptions so = search_options(lm.config.decode);
  so.nbest = 1;
  so.length_penalty = opt.length_penalty;
  std::vector<std::string> hyps;
  for (int64_t beam : {int64_t{1}, opt.beam_size}) {
    so.beam_size = beam;
    Translator tr(lm.model, lm.tokenizers, so, lm.config.decode.batch_size, opt.device, lm.config.data.max_len);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<Translation> out = tr.translate(t.text.src);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double sps = static_cast<double>(t.text.size()) / std::max(secs, 1e-9);
    if (beam == 1) m.decode_sents_per_s_beam1 = sps;
    if (beam == opt.beam_size) {
      m.decode_sents_per_s_beam5 = sps;
      hyps.clear();
      for (auto& tr_out : out) hyps.push_back(tr_out.text);
    }
    spdlog::info("compare: {} beam {}: {:.2f} sentences/s", m.name, beam, sps);
  }
  m.test_bleu = corpus_bleu(hyps, {t.text.tgt}).score;
  m.test_chrf = corpus_chrf(hyps, {t.text.tgt}).score;
  for (const auto& rows : t.bucket_rows) {
    if (rows.empty()) {
      m.bleu_by_bucket.push_back(std::nullopt);
      continue;
    }
    std::vector<std::string> bh, br;
    for (size_t r : rows) bh.push_back(hyps[r]), br.push_back(t.text.tgt[r]);
    m.bleu_by_bucket.push_back(corpus_bleu(bh, {br}).score);
  }
  spdlog::info("compare: {} test BLEU {:.2f}, chrF {:.2f}", m.name, *m.test_bleu, *m.test_chrf);
  return hyps;
}

// Attention heatmaps of one sentence: the mean view of the last layer, and each of its heads
// when there are several. Models without attention give none.
std::vector<AttentionMap> attention_maps(const CompareOptions& opt, LoadedModel& lm, const std::string& name,
                                         const std::string& sentence) {
  std::vector<AttentionMap> maps;
  const AttentionViews views = lm.model->attention_views();
  if (views.layers == 0) return maps;
  SearchOptions so = search_options(lm.config.decode);
  so.nbest = 1;
  so.beam_size = opt.beam_size;
  so.length_penalty = opt.length_penalty;
  so.want_attention = true;
  Translator tr(lm.model, lm.tokenizers, so, 1, opt.device, lm.config.data.max_len);
  auto add = [&](int64_t head, const std::string& kind) {
    lm.model->set_attention_view(-1, head);
    const Translation t = tr.translate({sentence}).at(0);
    if (t.attention.defined()) maps.push_back({name, kind, heatmap_of(t, name + ": " + kind)});
  };
  const bool multihead = views.heads > 1;
  add(-1, multihead ? views.name + " (mean of heads, last layer)" : views.name);
  if (multihead)
    for (int64_t h = 0; h < views.heads; ++h)
      add(h, lm.model->title() + " head " + std::to_string(h) + " (last layer)");
  lm.model->set_attention_view(-1, -1);
  return maps;
}

// ---- 3. the report ------------------------------------------------------------------------

ReportData report_frame(const CompareOptions& opt, const TestSet& t) {
  ReportData rd;
  rd.title = "NMT model comparison";
  rd.command_line = opt.command_line;
  std::ostringstream desc;
  desc << "Test set: " << t.files.src << " → " << t.files.tgt << " (" << t.text.size()
       << " sentences). Decoding: beam " << opt.beam_size << ", length penalty " << opt.length_penalty << ", on "
       << opt.device.str() << " with " << torch::get_num_threads() << " threads.";
  rd.description = desc.str();
  const auto& labels = length_bucket_labels();
  for (size_t b = 0; b < labels.size(); ++b)
    rd.buckets.push_back({labels[b], static_cast<int64_t>(t.bucket_rows[b].size())});
  for (size_t r : t.example_rows) {
    Example e;
    e.source = t.text.src[r];
    e.reference = t.text.tgt[r];
    e.longest = (r == t.example_rows.back());
    rd.examples.push_back(e);
  }
  return rd;
}

// Evaluates the model in `dir` and adds it to the report.
void add_model(const CompareOptions& opt, const std::string& dir, const TestSet& t, ReportData& rd) {
  LoadedModel lm = load_model_dir(dir, opt.device);
  ModelSummary m;
  m.name = lm.config.name;
  m.arch = lm.model->title();
  m.parameters = lm.model->parameter_count();
  read_training_record(dir, m);
  rd.configs.emplace_back(m.name, read_file((fs::path(dir) / "config.yaml").string()));
  const std::vector<std::string> hyps = score_model(opt, lm, t, m);
  for (size_t k = 0; k < t.example_rows.size(); ++k) rd.examples[k].outputs[m.name] = hyps[t.example_rows[k]];
  for (auto& map : attention_maps(opt, lm, m.name, t.text.src[t.attention_row])) rd.attention.push_back(std::move(map));
  rd.models.push_back(std::move(m));
}

}  // namespace

std::string run_compare(const CompareOptions& opt) {
  if (opt.configs.empty() && opt.models.empty())
    throw UsageError("compare: give configs (-c) to train or model directories (--models) to reuse");
  const std::vector<std::string> dirs = train_all(opt);
  const TestSet test = load_test_set(dirs[0], opt.examples);
  spdlog::info("compare: evaluating {} models on {} ({} sentences), beam {}", dirs.size(), test.files.src,
               test.text.size(), opt.beam_size);
  ReportData rd = report_frame(opt, test);
  for (const auto& dir : dirs) add_model(opt, dir, test, rd);
  write_report(rd, opt.out_dir);
  return (fs::path(opt.out_dir) / "report.html").string();
}

}  // namespace nmt
