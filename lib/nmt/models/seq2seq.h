// The one contract every sequence-to-sequence model implements.
//
// Trainer, search and CLI talk only to this interface; nothing outside lib/nmt/models asks
// which architecture it holds.
//
//   memory = model.encode(src, src_mask)        // run the encoder once
//   state  = model.start(memory)                // per-hypothesis decoder state
//   out    = model.step(prev_tokens, state)     // one decoder step: logits [N, V]
//   logits = model.forward(src, src_mask, tgt_in)  // teacher-forced, all steps at once
//
// forward(...)[:, t] equals the t-th step() output (tested to 1e-5 in eval mode).
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace nmt {

struct EncoderOut {
  torch::Tensor memory;    // [B, S, D_mem] encoder states
  torch::Tensor src_mask;  // [B, S] bool, true at real tokens
  // Model-specific extras computed once per source (e.g. final encoder hidden state).
  std::map<std::string, torch::Tensor> extra;
};

// Everything a decoder needs between steps. Dimension 0 of every tensor is the hypothesis
// dimension N (= batch × beam after expand). Caches live here, never on modules.
struct DecoderState {
  // Reordered by beam search: RNN h/c, input feeding, self-attention K/V cache per layer.
  std::map<std::string, torch::Tensor> per_hyp;
  // Depends only on the source sentence: memory, mask, cross-attention K/V, Bahdanau keys.
  // Never reordered across beams (beams of one sentence share the source), only expanded/kept.
  std::map<std::string, torch::Tensor> per_src;
  // Addressed through index tensors in per_hyp (the Transformer's K/V cache, read through each
  // hypothesis' slot index; source K/V read through its source row): expand, reorder and keep
  // never copy these, they move the indexes. Dimension 0 is not N.
  std::map<std::string, torch::Tensor> shared;
  int64_t step = 0;  // number of tokens already fed

  // Repeat every row `beam` times (row i → rows i*beam .. i*beam+beam-1).
  void expand(int64_t beam);
  // per_hyp rows ← per_hyp rows[idx]; idx: [N'] int64 (may change N).
  void reorder(const torch::Tensor& idx);
  // Keep rows where `alive` ([N] bool) is true, or the rows listed by an int64 index.
  void keep(const torch::Tensor& alive);
  // Number of hypotheses N (rows of per_hyp, else of per_src).
  int64_t size() const;
};

// The source attention a model can show: `layers` × `heads` views, each an [N, S] weight
// matrix per step (set_attention_view picks one, head −1 = their mean). layers == 0: the model
// has no attention (the rnn baseline).
struct AttentionViews {
  int64_t layers = 0;
  int64_t heads = 0;
  std::string name;  // e.g. "Bahdanau alignment", "Transformer cross-attention"
};

// One attention computation laid open, for one sentence over all T target positions:
// everything `nmt explain` needs to show softmax(q·k/√d_k)·v (or Bahdanau's
// softmax(vᵀ tanh(W s + U h))·h) with the model's real numbers.
struct AttentionTrace {
  std::string name;         // "cross-attention", "masked self-attention", "additive attention"
  int64_t layer = 0;        // decoder layer (0-based)
  int64_t head = 0;         // head (0-based)
  bool dot_product = true;  // false: additive energies (no √d_k scaling)
  bool keys_are_source = true;  // keys/values are source positions (else earlier target positions)
  torch::Tensor query;      // [T, d_k]  one query per target position (additive: s_{t-1}, [T, H])
  torch::Tensor keys;       // [K, d_k]  (additive: U·h_j, [S, A])
  torch::Tensor values;     // [K, d_v]  (additive: h_j)
  torch::Tensor scores;     // [T, K]    what the softmax reads: q·k/√d_k, or the energies e
  torch::Tensor mask;       // [T, K]    bool, true where the query may look
  torch::Tensor weights;    // [T, K]
  torch::Tensor output;     // [T, d_v]  Σ_j w_j v_j (a head's output, or the context c_t)
};

// A teacher-forced pass over one sentence with its internals (see Seq2SeqImpl::trace).
struct ModelTrace {
  std::vector<AttentionTrace> attention;  // every layer × head × kind; empty without attention
  // How the pieces fit, in the model's own sizes and numbers (how heads are concatenated and
  // projected; what the context is concatenated with; the rnn's bottleneck state and its norm).
  std::vector<std::string> notes;
  torch::Tensor logits;  // [T, V]
};

struct StepOut {
  torch::Tensor logits;     // [N, V] unnormalised scores for the next token
  torch::Tensor attention;  // [N, S] source attention of this step (undefined if not asked)
};

class Seq2SeqImpl : public torch::nn::Module {
 public:
  // src: [B, S] int64; src_mask: [B, S] bool.
  virtual EncoderOut encode(const torch::Tensor& src, const torch::Tensor& src_mask) = 0;
  // A decoder state for the B sentences in `enc`, positioned before the first token.
  virtual DecoderState start(const EncoderOut& enc) = 0;
  // prev: [N] int64 (BOS at step 0). Advances `state` by one token.
  // want_attention: fill StepOut::attention with [N, S] weights (head-averaged, last layer for
  // the Transformer unless the model is told otherwise).
  virtual StepOut step(const torch::Tensor& prev, DecoderState& state, bool want_attention = false) = 0;
  // Teacher forcing. tgt_in: [B, T] → logits [B, T, V].
  virtual torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& src_mask,
                                const torch::Tensor& tgt_in) = 0;
  // Target vocabulary size V.
  virtual int64_t target_vocab() const = 0;
  // Short name of the architecture, for logs and configs ("transformer").
  virtual std::string arch() const = 0;
  // What the model is, for people and reports ("RNN + Bahdanau attention").
  virtual std::string title() const = 0;
  // The longest source / target sequence the model can take, in tokens including EOS / BOS;
  // 0 = no limit. Translator truncates longer sources; search never decodes past the target limit.
  virtual int64_t max_source_positions() const { return 0; }
  virtual int64_t max_target_positions() const { return 0; }
  // The attention views step(want_attention=true) can report.
  virtual AttentionViews attention_views() const = 0;
  // Which view step(want_attention=true) reports: layer in [0, layers) or -1 (last), head in
  // [0, heads) or -1 (mean of heads). Throws UsageError for a view the model does not have.
  // Models with a single view (or none) accept only -1/0.
  virtual void set_attention_view(int64_t layer, int64_t head);
  // One sentence, teacher-forced, with every attention computation recorded. src, src_mask: [1, S],
  // tgt_in: [1, T] (BOS y1 .. y_{T-1}). Call in eval mode under NoGradGuard. Its weights for
  // position t equal what step() reports for that view at step t.
  virtual ModelTrace trace(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) = 0;

  int64_t parameter_count();
};

using Seq2Seq = std::shared_ptr<Seq2SeqImpl>;

}  // namespace nmt
