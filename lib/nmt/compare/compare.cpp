#include "nmt/compare/compare.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nmt/config/config.h"
#include "nmt/data/corpus.h"
#include "nmt/decoding/translator.h"
#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/report/report.h"
#include "nmt/training/json_lines.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/trainer.h"
#include "nmt/util/device.h"
#include "nmt/util/error.h"

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

double num(const std::map<std::string, std::string>& rec, const std::string& key, double def = NAN) {
  auto it = rec.find(key);
  if (it == rec.end() || it->second == "null" || it->second.empty()) return def;
  try {
    return std::stod(it->second);
  } catch (...) {
    return def;
  }
}

// Fills the training figures of `m` from the model directory's metrics.jsonl and state.
void read_training_record(const std::string& dir, ModelSummary& m) {
  std::ifstream f(fs::path(dir) / "metrics.jsonl");
  std::string line;
  double tps_sum = 0;
  int64_t tps_n = 0;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    auto rec = parse_flat_json(line);
    std::string type = rec.count("type") ? rec["type"] : "";
    if (type == "train") {
      double t = num(rec, "tokens_per_s");
      if (std::isfinite(t)) {
        tps_sum += t;
        ++tps_n;
      }
      double rss = num(rec, "peak_rss_mib");  // the training process's peak resident memory so far
      if (std::isfinite(rss) && (!m.peak_memory_mib || rss > *m.peak_memory_mib)) m.peak_memory_mib = rss;
    } else if (type == "dev") {
      CurvePoint p;
      p.step = static_cast<int64_t>(num(rec, "step", 0));
      double wall = num(rec, "wall"), bleu = num(rec, "bleu"), loss = num(rec, "loss");
      if (std::isfinite(wall)) p.wall_minutes = wall / 60.0;
      if (std::isfinite(bleu)) p.dev_bleu = bleu;
      if (std::isfinite(loss)) p.dev_loss = loss;
      m.curve.push_back(p);
      if (p.dev_bleu && (!m.best_dev_bleu || *p.dev_bleu > *m.best_dev_bleu)) m.best_dev_bleu = p.dev_bleu;
    }
  }
  if (tps_n > 0) m.train_tgt_tokens_per_s = tps_sum / static_cast<double>(tps_n);
  fs::path state = fs::path(dir) / "train_state.json";
  if (fs::exists(state)) {
    auto s = parse_flat_json(read_file(state.string()));
    double step = num(s, "step"), wall = num(s, "wall_seconds");
    if (std::isfinite(step)) m.train_steps = static_cast<int64_t>(step);
    if (std::isfinite(wall)) m.train_wall_minutes = wall / 60.0;
  }
}

std::string arch_title(const std::string& arch) {
  if (arch == "rnn") return "RNN, no attention";
  if (arch == "bahdanau") return "RNN + Bahdanau attention";
  if (arch == "transformer") return "Transformer";
  return arch;
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

}  // namespace

std::string run_compare(const CompareOptions& opt) {
  if (opt.configs.empty() && opt.models.empty())
    throw UsageError("compare: give configs (-c) to train or model directories (--models) to reuse");
  std::vector<std::string> dirs;
  std::vector<std::pair<std::string, std::string>> config_texts;

  // 1. Load and check every config before training any: two models must not share a directory,
  //    and a directory that already holds a trained model is never overwritten.
  std::vector<Config> cfgs;
  for (const auto& file : opt.configs) {
    std::vector<std::string> sets = opt.overrides;
    if (opt.budget_minutes > 0) {
      std::ostringstream b;
      b << "train.max_minutes=" << opt.budget_minutes;
      sets.push_back(b.str());
    }
    Config cfg = load_config(file, sets);
    if (!opt.models_dir.empty()) cfg.output = (std::filesystem::path(opt.models_dir) / cfg.name).string();
    for (size_t k = 0; k < cfgs.size(); ++k)
      if (std::filesystem::path(cfgs[k].output).lexically_normal() ==
          std::filesystem::path(cfg.output).lexically_normal())
        throw UsageError("compare: " + opt.configs[k] + " and " + file + " both train into " + cfg.output +
                         "; give them different `output` (or names, with --models-dir)");
    if (has_training_state(cfg.output))
      throw UsageError("compare: " + cfg.output + " already holds a trained model (from " + file +
                       "); reuse it with --models " + cfg.output + ", or train elsewhere with --models-dir DIR");
    cfgs.push_back(std::move(cfg));
  }
  // 2. Train them (or take the given directories).
  for (Config& cfg : cfgs) {
    spdlog::info("compare: training {} ({}) into {}", cfg.name, cfg.model.arch, cfg.output);
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

  // 3. The shared test set: the first model's data.test (data.dev if it has none).
  Config first = load_config((fs::path(dirs[0]) / "config.yaml").string());  // its config only; weights load below
  FilePair test = first.data.test.src.empty() ? first.data.dev : first.data.test;
  ParallelText text = read_parallel(test);
  if (text.size() == 0) throw DataError(test.src + ": the test set is empty");
  spdlog::info("compare: evaluating {} models on {} ({} sentences), beam {}", dirs.size(), test.src, text.size(),
               opt.beam_size);

  ReportData rd;
  rd.title = "NMT model comparison";
  rd.command_line = opt.command_line;
  std::ostringstream desc;
  desc << "Test set: " << test.src << " → " << test.tgt << " (" << text.size() << " sentences). Decoding: beam "
       << opt.beam_size << ", length penalty " << opt.length_penalty << ", on " << opt.device.str() << " with "
       << torch::get_num_threads() << " threads.";
  rd.description = desc.str();

  // Buckets by source length in words.
  const auto& labels = length_bucket_labels();
  std::vector<std::vector<size_t>> bucket_rows(labels.size());
  for (size_t i = 0; i < text.size(); ++i) bucket_rows[length_bucket(word_count(text.src[i]))].push_back(i);
  for (size_t b = 0; b < labels.size(); ++b) rd.buckets.push_back({labels[b], static_cast<int64_t>(bucket_rows[b].size())});

  // Examples: the longest source sentence, plus evenly spaced others of moderate length.
  std::vector<size_t> example_rows;
  size_t longest = 0;
  for (size_t i = 0; i < text.size(); ++i)
    if (word_count(text.src[i]) > word_count(text.src[longest])) longest = i;
  for (size_t i = 0; i < text.size() && static_cast<int64_t>(example_rows.size()) + 1 < opt.examples;
       i += std::max<size_t>(1, text.size() / std::max<int64_t>(1, opt.examples))) {
    size_t w = word_count(text.src[i]);
    if (i != longest && w >= 8 && w <= 25) example_rows.push_back(i);
  }
  example_rows.push_back(longest);
  // The attention example: the first moderate one (or the longest if none).
  size_t attn_row = example_rows.front();
  for (size_t r : example_rows) {
    Example e;
    e.source = text.src[r];
    e.reference = text.tgt[r];
    e.longest = (r == longest);
    rd.examples.push_back(e);
  }

  std::vector<std::vector<std::string>> refs{text.tgt};
  for (const auto& dir : dirs) {
    LoadedModel lm = load_model_dir(dir, opt.device);
    ModelSummary m;
    m.name = lm.config.name;
    m.arch = arch_title(lm.config.model.arch);
    m.parameters = lm.model->parameter_count();
    read_training_record(dir, m);
    config_texts.emplace_back(m.name, read_file((fs::path(dir) / "config.yaml").string()));

    SearchOptions so = search_options(lm.config.decode);
    so.nbest = 1;
    so.length_penalty = opt.length_penalty;
    std::vector<std::string> hyps;
    for (int64_t beam : {int64_t{1}, opt.beam_size}) {
      so.beam_size = beam;
      Translator tr(lm.model, lm.tokenizers, so, lm.config.decode.batch_size, opt.device, max_source_len(lm.config, lm.config.data.max_len));
      auto t0 = std::chrono::steady_clock::now();
      std::vector<Translation> out = tr.translate(text.src);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double sps = static_cast<double>(text.size()) / std::max(secs, 1e-9);
      if (beam == 1) m.decode_sents_per_s_beam1 = sps;
      if (beam == opt.beam_size) {
        m.decode_sents_per_s_beam5 = sps;
        hyps.clear();
        for (auto& t : out) hyps.push_back(t.text);
      }
      spdlog::info("compare: {} beam {}: {:.2f} sentences/s", m.name, beam, sps);
    }
    m.test_bleu = corpus_bleu(hyps, refs).score;
    m.test_chrf = corpus_chrf(hyps, refs).score;
    for (size_t b = 0; b < labels.size(); ++b) {
      if (bucket_rows[b].empty()) {
        m.bleu_by_bucket.push_back(std::nullopt);
        continue;
      }
      std::vector<std::string> bh, br;
      for (size_t r : bucket_rows[b]) {
        bh.push_back(hyps[r]);
        br.push_back(text.tgt[r]);
      }
      m.bleu_by_bucket.push_back(corpus_bleu(bh, {br}).score);
    }
    for (size_t k = 0; k < example_rows.size(); ++k) rd.examples[k].outputs[m.name] = hyps[example_rows[k]];
    spdlog::info("compare: {} test BLEU {:.2f}, chrF {:.2f}", m.name, *m.test_bleu, *m.test_chrf);

    // Attention heatmaps for the example sentence (models without attention give none).
    so.beam_size = opt.beam_size;
    so.want_attention = true;
    Translator tr(lm.model, lm.tokenizers, so, 1, opt.device, max_source_len(lm.config, lm.config.data.max_len));
    lm.model->set_attention_view(-1, -1);
    Translation t = tr.translate({text.src[attn_row]}).at(0);
    if (t.attention.defined()) {
      bool multihead = lm.config.model.arch == "transformer";
      std::string kind = multihead ? "Transformer cross-attention (mean of heads, last layer)" : "Bahdanau alignment";
      rd.attention.push_back({m.name, kind, heatmap_of(t, m.name + ": " + kind)});
      if (multihead) {
        for (int64_t h = 0; h < lm.config.transformer().heads; ++h) {
          lm.model->set_attention_view(-1, h);
          Translation th = tr.translate({text.src[attn_row]}).at(0);
          std::string k = "Transformer head " + std::to_string(h) + " (last layer)";
          rd.attention.push_back({m.name, k, heatmap_of(th, m.name + ": " + k)});
        }
        lm.model->set_attention_view(-1, -1);
      }
    }
    rd.models.push_back(std::move(m));
  }
  rd.configs = config_texts;
  write_report(rd, opt.out_dir);
  return (fs::path(opt.out_dir) / "report.html").string();
}

}  // namespace nmt
