// nmt translate: a Unix filter (one output line per input line, streaming) or, on a
// terminal, an interactive console with :commands.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>

#include "cli.h"
#include "console.h"
#include "line_reader.h"
#include "nmt/decoding/translator.h"
#include "nmt/report/charts.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/error.h"
#include "nmt/util/utf8.h"
#include "stop_signals.h"

namespace nmt::cli {
namespace {

struct TranslateOptions {
  ModelOptions model;  // -m (repeated: an ensemble), --weights, --checkpoint
  int64_t beam_size = 0;  // 0: the model's decode.beam_size
  int64_t nbest = 0;      // 0: the model's decode.nbest
  int64_t batch_size = 0;  // 0 = the model's decode.batch_size
  double max_len_ratio = -1;
  double length_penalty = -1;
  std::string input, output;
  std::string attention_svg;
  int64_t attention_layer = -1, attention_head = -1;
  bool log_throughput = false;
  bool force_filter = false;
};

// Writes one result in the documented formats: the best hypothesis, or with n-best
// `index ||| hypothesis ||| score` lines (0-based input index, best first).
void write_result(std::ostream& out, int64_t index, const Translation& t, int64_t nbest) {
  if (nbest <= 1) {
    out << t.text << '\n';
    return;
  }
  if (t.nbest.empty()) {  // empty input line: one empty hypothesis
    out << index << " ||| " << t.text << " ||| " << t.score << '\n';
    return;
  }
  for (const auto& [text, score] : t.nbest) out << index << " ||| " << text << " ||| " << score << '\n';
}

void run_filter(Translator& tr, const TranslateOptions& o, int64_t batch_size) {
  int fd = 0;
  if (!o.input.empty()) {
    fd = ::open(o.input.c_str(), O_RDONLY);
    if (fd < 0) throw DataError(o.input + ": cannot open input file");
  }
  std::ofstream file_out;
  if (!o.output.empty()) {
    file_out.open(o.output);
    if (!file_out) throw IoError(o.output + ": cannot open output file");
  }
  std::ostream& out = o.output.empty() ? std::cout : file_out;

  // SIGINT/SIGTERM: the batch being translated is finished and written, every line translated
  // so far is flushed, and nmt exits with 128 + the signal. A second signal ends it at once.
  StopSignals signals;
  LineReader reader(fd, &StopSignals::flag());
  int64_t index = 0, sentences = 0, tokens = 0;
  bool svg_written = false;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> lines;
  std::string line;
  while (true) {
    lines.clear();
    // Block for the first line of a batch, then take only what has already arrived.
    if (!reader.next(&line, /*block=*/true)) break;
    lines.push_back(line);
    while (static_cast<int64_t>(lines.size()) < batch_size && reader.next(&line, /*block=*/false))
      lines.push_back(line);
    for (auto& l : lines) {
      size_t bad;
      if (!valid_utf8(l, &bad)) {
        spdlog::warn("input line {}: invalid UTF-8 at byte {}, replaced with U+FFFD", index + (&l - &lines[0]) + 1, bad);
        l = sanitize_utf8(l);
      }
    }
    std::vector<Translation> res = tr.translate(lines);
    for (size_t i = 0; i < res.size(); ++i, ++index) {
      if (res[i].truncated)
        spdlog::warn("input line {}: longer than the model's maximum of {} tokens, truncated", index + 1, tr.max_src_len());
      write_result(out, index, res[i], tr.options().nbest);
      tokens += res[i].tgt_tokens;
      if (!o.attention_svg.empty() && !svg_written && res[i].attention.defined()) {
        write_attention_svg(o.attention_svg, res[i]);
        svg_written = true;
      }
    }
    sentences += static_cast<int64_t>(res.size());
    out.flush();
    if (!out) throw IoError((o.output.empty() ? std::string("standard output") : o.output) + ": write failed");
    if (StopSignals::flag().load()) break;
  }
  if (fd > 0) ::close(fd);
  if (StopSignals::flag().load()) {
    const int sig = StopSignals::signal();
    throw Interrupted(std::string("interrupted by ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + " after " +
                          std::to_string(sentences) + " lines; every line translated was written",
                      sig);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (o.log_throughput)
    spdlog::info("translated {} sentences, {} target tokens in {:.2f} s: {:.2f} sentences/s, {:.1f} target tokens/s",
                 sentences, tokens, secs, sentences / std::max(secs, 1e-9), tokens / std::max(secs, 1e-9));
}

}  // namespace

void add_translate(CLI::App& app, GlobalOptions& g) {
  auto o = std::make_shared<TranslateOptions>();
  auto* sub = app.add_subcommand(
      "translate",
      "Translate text with a trained model. As a filter (stdin not a terminal, or -i) it writes one "
      "line per input line, in order, streaming batches as input arrives; on a terminal it is an "
      "interactive console (:help lists its commands).");
  add_model_options(sub, o->model);
  sub->add_option("-k,--beam-size", o->beam_size, "Beam size, 1 = greedy (default: the model's decode.beam_size, 5)")
      ->check(CLI::PositiveNumber);
  sub->add_option("-n,--nbest", o->nbest,
                  "Hypotheses per sentence; > 1 writes lines 'index ||| hypothesis ||| score' (index 0-based; "
                  "default: the model's decode.nbest, 1)")
      ->check(CLI::PositiveNumber);
  sub->add_option("-b,--batch-size", o->batch_size, "Sentences per batch (default: the model's decode.batch_size)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--max-len-ratio", o->max_len_ratio,
                  "Maximum output length as a multiple of the source length (default: the model's decode.max_len_ratio)");
  sub->add_option("--length-penalty", o->length_penalty, "GNMT length penalty alpha (default: the model's decode.length_penalty)");
  sub->add_option("-i,--input", o->input, "Read sentences from this file instead of stdin");
  sub->add_option("-o,--output", o->output, "Write translations to this file instead of stdout");
  sub->add_option("--attention-svg", o->attention_svg,
                  "Write the source-target attention heatmap of the first sentence as SVG to this file");
  sub->add_option("--attention-layer", o->attention_layer,
                  "Transformer: cross-attention layer for heatmaps (0-based; -1 = last)")->capture_default_str();
  sub->add_option("--attention-head", o->attention_head,
                  "Transformer: attention head for heatmaps (0-based; -1 = average of heads)")->capture_default_str();
  sub->add_flag("--log-throughput", o->log_throughput, "At the end, log sentences/s and target tokens/s");
  sub->add_flag("--batch", o->force_filter, "Filter mode even when stdin is a terminal");
  sub->callback([o, &g] {
    torch::Device device = apply_globals(g);
    LoadedModel lm = load_models(o->model, device);
    const DecodeConfig& dc = lm.config.decode;
    SearchOptions so = search_options(dc);
    if (o->beam_size > 0) so.beam_size = o->beam_size;
    if (o->nbest > 0) so.nbest = o->nbest;
    if (o->max_len_ratio > 0) so.max_len_ratio = o->max_len_ratio;
    if (o->length_penalty >= 0) so.length_penalty = o->length_penalty;
    validate_decoding_options(so);  // e.g. --nbest above --beam-size
    bool interactive = o->input.empty() && !o->force_filter && ::isatty(0);
    so.want_attention = !o->attention_svg.empty() || interactive;
    lm.model->set_attention_view(o->attention_layer, o->attention_head);
    int64_t batch = o->batch_size > 0 ? o->batch_size : dc.batch_size;
    Translator tr(lm.model, lm.tokenizers, so, batch, device, lm.config.data.max_len);
    if (interactive) run_console(tr, lm, o->attention_svg);
    else run_filter(tr, *o, batch);
  });
}

}  // namespace nmt::cli
