// `nmt data`: prepare corpora — synthetic tasks and the default Bible corpus.
#include "cli.h"
#include "nmt/data/bible.h"
#include "nmt/data/synthetic.h"

namespace nmt::cli {

void add_data(CLI::App& app, GlobalOptions& g) {
  auto* data = app.add_subcommand("data", "Prepare corpora: synthetic tasks or the Spanish→English Bible");
  data->require_subcommand(1);

  auto opt = std::make_shared<SyntheticOptions>();
  auto out = std::make_shared<std::string>();
  auto* syn = data->add_subcommand("synthetic", "Write a synthetic copy/reverse/sort task as {train,dev,test}.{src,tgt}");
  syn->add_option("--task", opt->task, "copy, reverse or sort")
      ->capture_default_str()
      ->check(CLI::IsMember({"copy", "reverse", "sort"}));
  syn->add_option("--out", *out, "Output directory")->required();
  syn->add_option("--train", opt->train, "Training pairs")->capture_default_str()->check(CLI::NonNegativeNumber);
  syn->add_option("--dev", opt->dev, "Dev pairs")->capture_default_str()->check(CLI::NonNegativeNumber);
  syn->add_option("--test", opt->test, "Test pairs")->capture_default_str()->check(CLI::NonNegativeNumber);
  syn->add_option("--min-len", opt->min_len, "Shortest sequence")->capture_default_str()->check(CLI::PositiveNumber);
  syn->add_option("--max-len", opt->max_len, "Longest sequence")->capture_default_str()->check(CLI::PositiveNumber);
  syn->add_option("--vocab", opt->vocab, "Number of symbols (a0, a1, ...)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  syn->add_option("--seed", opt->seed, "Random seed")->capture_default_str();
  syn->callback([&g, opt, out] {
    apply_globals(g);
    check_synthetic_options(*opt);
    write_synthetic(*opt, *out);
  });

  auto bible_out = std::make_shared<std::string>();
  auto* bible = data->add_subcommand(
      "bible", "Write the Reina-Valera 1909 (es) → KJV (en) verse-aligned corpus as {train,dev,test}.{es,en} "
               "(needs diatheke, sword-text-sparv, sword-text-kjv)");
  bible->add_option("--out", *bible_out, "Output directory")->required();
  bible->callback([&g, bible_out] {
    apply_globals(g);
    write_bible(*bible_out);
  });
}

}  // namespace nmt::cli
