// nmt explain: attention worked through, step by step, on a real sentence and a real model.
#include <iostream>

#include "cli.h"
#include "nmt/explain/explain.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/file_io.h"

namespace nmt::cli {

void add_explain(CLI::App& app, GlobalOptions& g) {
  struct Opts {
    std::string model_dir, weights = "best", html;
    ExplainRequest request;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand(
      "explain",
      "Show how the model attends while it translates one sentence: the query and key vectors, the scores "
      "q·k_j, ÷ √d_k, the softmax weights and the weighted sum (Transformer, per layer and head, for "
      "cross-attention and masked self-attention); the energies and context vector (Bahdanau); the "
      "bottleneck state (rnn). Without --step, every step briefly.");
  sub->add_option("-m,--model", o->model_dir, "Model directory")->required();
  sub->add_option("sentence", o->request.source, "The source sentence")->required();
  sub->add_option("--target", o->request.target,
                  "Explain this target (teacher-forced) instead of the model's own translation");
  sub->add_option("--step", o->request.step, "Output position to explain in full (1-based); default: every step, briefly")
      ->check(CLI::PositiveNumber);
  sub->add_option("--layer", o->request.layer, "Decoder layer (0-based; -1 = the last)")->capture_default_str();
  sub->add_option("--head", o->request.head,
                  "Attention head (0-based; -1 = head 0 in full and the others briefly, or all heads in --json)")
      ->capture_default_str();
  sub->add_option("--dims", o->request.dims, "How many dimensions of each vector to show")
      ->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--checkpoint,--weights", o->weights, "Which weights: best or last")
      ->check(CLI::IsMember({"best", "last"}))->capture_default_str();
  sub->add_flag("--json", o->json, "Print the same numbers as JSON instead of text");
  sub->add_option("--html", o->html, "Also write a self-contained HTML page with the walk-through and heatmaps");
  sub->callback([o, &g] {
    const torch::Device device = apply_globals(g);
    LoadedModel lm = load_model_dir(o->model_dir, device, o->weights);
    const Explanation e = explain(lm, o->request, device);
    if (!o->html.empty()) write_file_atomic(o->html, explain_html(e, o->request));
    if (o->json) std::cout << explain_json(e, o->request).dump(2) << "\n";
    else std::cout << explain_text(e, o->request);
    if (!o->html.empty()) spdlog::info("wrote {}", o->html);
  });
}

}  // namespace nmt::cli
