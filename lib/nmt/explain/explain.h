// `nmt explain`: attention worked through, step by step, on a real sentence and a real model —
// the seeds' walk-through (q·k, ÷√d_k, softmax, Σ w·v; Bahdanau's energies and context; the
// rnn's bottleneck) with the model's own numbers.
//
// explain() translates the sentence (or takes a forced target), runs the model's teacher-forced
// trace (Seq2SeqImpl::trace) and keeps everything; the three writers render it as terminal
// text, JSON and a self-contained HTML page. Nothing here asks which architecture it holds.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nmt/models/seq2seq.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/json.h"

namespace nmt {

struct ExplainRequest {
  std::string source;  // the sentence to explain
  std::string target;  // a forced (teacher-forced) target; empty = the model's own translation
  int64_t step = 0;    // output position to explain in full, 1-based; 0 = every step, briefly
  int64_t layer = -1;  // decoder layer, 0-based; -1 = the last
  int64_t head = -1;   // head, 0-based; -1 = text: head 0 in full and the others briefly; JSON: all
  int64_t dims = 4;    // how many dimensions of each vector to print
};

struct Explanation {
  std::string model_title;                // "Transformer"
  std::string weights;                    // the file the weights came from
  AttentionViews views;                   // layers × heads the model has
  std::string source, translation;        // text
  bool forced = false;                    // the target was given, not translated
  bool truncated = false;                 // the source was cut to the model's maximum length
  std::vector<std::string> src_tokens;    // source pieces + "</s>"            [S]
  std::vector<std::string> tgt_tokens;    // what each step writes, + "</s>"   [T]
  std::vector<std::string> tgt_inputs;    // what each step reads: "<s>" y1 .. [T]
  std::vector<double> probability;        // p(the written token) at each step [T]
  std::vector<std::vector<std::pair<std::string, double>>> alternatives;  // top 3 per step
  ModelTrace trace;
};

// Checks `r` against the model (ranges of step, layer, head: UsageError naming the option),
// translates or takes the forced target, and traces the model. Leaves the model in eval mode.
Explanation explain(LoadedModel& lm, const ExplainRequest& r, const torch::Device& device);

// The layer `r` picks (last when -1).
int64_t explain_layer(const Explanation& e, const ExplainRequest& r);

// Renderers. explain_text: for a terminal. explain_json: the same numbers, machine-readable —
// per step, layer and head: d_k, tokens, scores (q·k), scaled (÷√d_k), weights, masked.
// explain_html: one self-contained page with the walk-through and a heatmap per head.
std::string explain_text(const Explanation& e, const ExplainRequest& r);
Json explain_json(const Explanation& e, const ExplainRequest& r);
std::string explain_html(const Explanation& e, const ExplainRequest& r);

}  // namespace nmt
