// nmt score: corpus BLEU and chrF of a hypothesis file against one or more references,
// matching sacreBLEU 2.x (scores and signatures).
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli.h"
#include "nmt/data/corpus.h"
#include "nmt/metrics/bleu.h"
#include "nmt/metrics/chrf.h"
#include "nmt/util/error.h"
#include "nmt/util/json.h"

namespace nmt::cli {
namespace {

struct ScoreOptions {
  std::string hyp;
  std::vector<std::string> refs;
  std::vector<std::string> metrics{"bleu", "chrf"};
  std::string tokenize = "13a";
  std::string smooth = "exp";
  bool lowercase = false;
  bool json = false;
};

bool wants(const ScoreOptions& o, const std::string& m) {
  for (const auto& x : o.metrics)
    if (x == m) return true;
  return false;
}

void run_score(const ScoreOptions& o) {
  const std::vector<std::string> hyps = read_lines(o.hyp);
  const auto refs = read_references(o.refs, o.hyp, hyps.size());
  std::ostringstream text;
  Json json = Json::object();
  if (wants(o, "bleu")) {
    BleuOptions bo;
    bo.tokenize = o.tokenize;
    bo.lowercase = o.lowercase;
    bo.smooth = o.smooth;
    const BleuResult b = corpus_bleu(hyps, refs, bo);
    text << b.format() << "\n" << b.signature << "\n";
    json["bleu"] = {{"score", b.score},     {"precisions", b.precisions}, {"bp", b.bp},
                    {"ratio", b.ratio},     {"hyp_len", b.sys_len},       {"ref_len", b.ref_len},
                    {"signature", b.signature}, {"verbose", b.format()}};
  }
  if (wants(o, "chrf")) {
    const ChrfResult c = corpus_chrf(hyps, refs, 6, 2.0, o.lowercase);
    char line[64];
    std::snprintf(line, sizeof line, "chrF2 = %.2f", c.score);
    text << line << "\n" << c.signature << "\n";
    json["chrf"] = {{"score", c.score}, {"signature", c.signature}, {"verbose", line}};
  }
  std::cout << (o.json ? json.dump(2) + "\n" : text.str());
}

}  // namespace

void add_score(CLI::App& app, GlobalOptions& g) {
  (void)g;  // scoring needs no device or threads
  auto o = std::make_shared<ScoreOptions>();
  auto* sub = app.add_subcommand("score", "Score a hypothesis file against reference(s): corpus BLEU and chrF, "
                                          "identical to sacreBLEU 2.x, with its signature");
  sub->add_option("--hyp", o->hyp, "Hypotheses, one sentence per line")->required();
  sub->add_option("--ref", o->refs, "Reference file (repeat for multiple references)")->required();
  sub->add_option("--metrics", o->metrics, "Comma-separated metrics: bleu, chrf")
      ->delimiter(',')
      ->check(CLI::IsMember({"bleu", "chrf"}))
      ->capture_default_str();
  sub->add_option("--tokenize", o->tokenize, "BLEU tokenizer: none, 13a, intl or char")
      ->check(CLI::IsMember({"none", "13a", "intl", "char"}))
      ->capture_default_str();
  sub->add_option("--smooth", o->smooth, "BLEU smoothing: exp, floor, add-k or none")
      ->check(CLI::IsMember({"exp", "floor", "add-k", "none"}))
      ->capture_default_str();
  sub->add_flag("--lowercase,-l", o->lowercase, "Case-insensitive scoring");
  sub->add_flag("--json", o->json, "Print one JSON object instead of text");
  sub->callback([o] { run_score(*o); });
}

}  // namespace nmt::cli
