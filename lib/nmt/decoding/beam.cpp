// Beam search over many sentences at once, through the DecoderState contract only.
//
// Rows are grouped by sentence: after the first step every live sentence owns beam_size
// consecutive rows. Each step takes the 2·beam best continuations of a sentence (so at least
// beam of them are not EOS); EOS among the top beam becomes a finished hypothesis scored
// log P / ((5 + len) / 6)^alpha. A sentence is done once it has beam finished hypotheses and
// its best live hypothesis, scored as if it ended at the next step, falls below the nbest-th
// best finished one, or once it reaches its maximum length (where only EOS is allowed); its
// rows then leave the batch. Without the second condition the first beam hypotheses to end,
// which are the short ones, would decide: the length penalty could only rank those, and an
// undertrained model's output came out ~20% short of the references whatever the penalty.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "nmt/data/vocab.h"
#include "nmt/decoding/search_detail.h"

namespace nmt::detail {
namespace {

// The live hypotheses: sentence per row group, and per row its tokens and score.
struct Beams {
  std::vector<int64_t> sents;                // live sentences, in row-group order
  int64_t per_sent = 1;                      // rows per live sentence (1 before the first step)
  std::vector<std::vector<int64_t>> tokens;  // per row
  torch::Tensor prev;                        // [N] last token of each row
  torch::Tensor cum;                         // [N] float log-probability so far
  torch::Tensor hist;                        // [N, t, S] attention history when asked
};

// What the step decided: the next beams and how to rearrange the decoder state.
struct NextBeams {
  std::vector<int64_t> keep_rows;  // rows of the sentences still alive
  std::vector<int64_t> reorder;    // per next row: its origin within the kept, expanded rows
  std::vector<int64_t> origin;     // per next row: its origin row this step
  std::vector<int64_t> sents, prev;
  std::vector<float> cum;
  std::vector<std::vector<int64_t>> tokens;
};

// Whether a live hypothesis with cumulative log-probability `live` (the best of its sentence)
// may still enter the n-best: scored as if it ended with `len` tokens (EOS included), does it
// beat the nbest-th best finished score? Log-probabilities only fall as it grows, so with no
// length penalty a "no" is final; with one it is the usual approximation.
bool live_can_win(const std::vector<Hypothesis>& finished, float live, int64_t len, const SearchOptions& opt) {
  std::vector<double> scores;
  scores.reserve(finished.size());
  for (const auto& h : finished) scores.push_back(h.score);
  const auto k = static_cast<std::ptrdiff_t>(std::min<size_t>(static_cast<size_t>(opt.nbest), scores.size()));
  std::nth_element(scores.begin(), scores.begin() + (k - 1), scores.end(), std::greater<double>());
  return static_cast<double>(live) / length_penalty(len, opt.length_penalty) > scores[static_cast<size_t>(k - 1)];
}

// The candidates of row group `a` (sentence s), best first: finishes hypotheses that end in EOS
// within the top beam, and adds the first `beam` other continuations to `next` unless the
// sentence is done.
void advance_sentence(int64_t a, int64_t t, const Beams& cur, const float* val, const int64_t* idx, int64_t k2,
                      int64_t vocab, const SearchInputs& in, const SearchOptions& opt,
                      std::vector<std::vector<Hypothesis>>& finished, NextBeams& next) {
  const int64_t beam = opt.beam_size, s = cur.sents[a];
  std::vector<int64_t> c_row, c_beam, c_tok;
  std::vector<float> c_val;
  for (int64_t r = 0; r < k2; ++r) {
    const float v = val[a * k2 + r];
    const int64_t flat = idx[a * k2 + r];
    const int64_t b = flat / vocab, tok = flat % vocab, row = a * cur.per_sent + b;
    if (tok == kEosId) {
      if (r >= beam || !std::isfinite(v)) continue;
      Hypothesis h;
      h.tokens = cur.tokens[row];
      h.score = static_cast<double>(v) / length_penalty(static_cast<int64_t>(h.tokens.size()) + 1, opt.length_penalty);
      if (cur.hist.defined()) h.attention = real_attention(cur.hist[row], in.real_positions[s]);
      finished[s].push_back(std::move(h));
    } else if (static_cast<int64_t>(c_row.size()) < beam) {
      c_row.push_back(row), c_beam.push_back(b), c_tok.push_back(tok), c_val.push_back(v);
    }
  }
  const bool done = t + 1 >= in.max_len[s] || static_cast<int64_t>(c_row.size()) < beam ||
                    (static_cast<int64_t>(finished[s].size()) >= beam &&
                     !live_can_win(finished[s], c_val.front(), t + 2, opt));
  if (done) return;
  const auto a_next = static_cast<int64_t>(next.sents.size());
  next.sents.push_back(s);
  for (int64_t j = 0; j < cur.per_sent; ++j) next.keep_rows.push_back(a * cur.per_sent + j);
  for (int64_t m = 0; m < beam; ++m) {
    next.origin.push_back(c_row[m]);
    next.reorder.push_back(a_next * beam + c_beam[m]);
    next.tokens.push_back(cur.tokens[c_row[m]]);
    next.tokens.back().push_back(c_tok[m]);
    next.prev.push_back(c_tok[m]);
    next.cum.push_back(c_val[m]);
  }
}

}  // namespace


std::vector<std::vector<Hypothesis>> beam_search(Seq2SeqImpl& model, const SearchInputs& in,
                                                 const SearchOptions& opt) {
  const int64_t beam = opt.beam_size;
  const auto batch = static_cast<int64_t>(in.max_len.size());
  const torch::Device device = in.enc.memory.defined() ? in.enc.memory.device() : torch::Device(torch::kCPU);
  std::vector<std::vector<Hypothesis>> finished(batch);

  DecoderState state = model.start(in.enc);
  Beams cur;
  for (int64_t b = 0; b < batch; ++b) cur.sents.push_back(b);
  cur.tokens.resize(batch);
  cur.prev = torch::full({batch}, kBosId, torch::dtype(torch::kLong).device(device));
  cur.cum = torch::zeros({batch}, torch::dtype(torch::kFloat).device(device));

  for (int64_t t = 0; !cur.sents.empty(); ++t) {
    const auto live = static_cast<int64_t>(cur.sents.size());
    const int64_t n = live * cur.per_sent;
    StepOut out = model.step(cur.prev, state, opt.want_attention);
    std::vector<bool> force(n);
    for (int64_t i = 0; i < n; ++i) force[i] = t + 1 >= in.max_len[cur.sents[i / cur.per_sent]];
    const torch::Tensor lp = next_token_logprobs(out.logits, force);  // [N, V]
    const int64_t vocab = lp.size(1);
    const torch::Tensor cand = (cur.cum.unsqueeze(1) + lp).view({live, cur.per_sent * vocab});
    const int64_t k2 = std::min(2 * beam, cur.per_sent * vocab);
    auto [top_val, top_idx] = cand.topk(k2, 1, /*largest=*/true, /*sorted=*/true);  // [live, k2]
    // Models without source attention (the rnn baseline) return none: hypotheses then have none.
    if (opt.want_attention && out.attention.defined()) {
      TORCH_CHECK(out.attention.dim() == 2 && out.attention.size(0) == n,
                  "search: step attention must be [N, S] with N = ", n);
      torch::Tensor a = out.attention.unsqueeze(1).to(torch::kFloat);
      cur.hist = cur.hist.defined() ? torch::cat({cur.hist, a}, 1) : a;
    }
    const torch::Tensor val_cpu = top_val.to(torch::kCPU).contiguous();
    const torch::Tensor idx_cpu = top_idx.to(torch::kCPU).contiguous();
    NextBeams next;
    for (int64_t a = 0; a < live; ++a)
      advance_sentence(a, t, cur, val_cpu.data_ptr<float>(), idx_cpu.data_ptr<int64_t>(), k2, vocab, in, opt,
                       finished, next);
    if (next.sents.empty()) break;

    // Rows of finished sentences leave; the first step fans each sentence out to `beam` rows;
    // then every row takes the decoder state of the hypothesis it extends.
    if (static_cast<int64_t>(next.keep_rows.size()) < n) state.keep(torch::tensor(next.keep_rows, torch::kLong));
    if (cur.per_sent == 1) state.expand(beam);
    state.reorder(torch::tensor(next.reorder, torch::kLong));
    if (cur.hist.defined()) cur.hist = cur.hist.index_select(0, torch::tensor(next.origin, torch::kLong).to(device));
    cur.cum = torch::tensor(next.cum, torch::kFloat).to(device);
    cur.prev = torch::tensor(next.prev, torch::kLong).to(device);
    cur.tokens = std::move(next.tokens);
    cur.sents = std::move(next.sents);
    cur.per_sent = beam;
  }

  for (auto& hyps : finished) {
    std::stable_sort(hyps.begin(), hyps.end(),
                     [](const Hypothesis& x, const Hypothesis& y) { return x.score > y.score; });
    if (static_cast<int64_t>(hyps.size()) > opt.nbest) hyps.resize(opt.nbest);
  }
  return finished;
}

}  // namespace nmt::detail
