// Beam search over many sentences at once, through the DecoderState contract only.
//
// Rows are grouped by sentence: after the first step every live sentence owns beam_size
// consecutive rows. Each step takes the 2·beam best continuations of a sentence (so at least
// beam of them are not EOS); EOS among the top beam becomes a finished hypothesis scored
// log P / ((5 + len) / 6)^alpha. A sentence is done once it has beam finished hypotheses or
// reaches its maximum length (where only EOS is allowed); its rows then leave the batch.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "nmt/data/vocab.h"
#include "nmt/decoding/search_detail.h"

namespace nmt::detail {

std::vector<std::vector<Hypothesis>> beam_search(Seq2SeqImpl& model, const SearchInputs& in,
                                                 const SearchOptions& opt) {
  const int64_t beam = opt.beam_size;
  const auto batch = static_cast<int64_t>(in.max_len.size());
  const torch::Device device = in.enc.memory.defined() ? in.enc.memory.device() : torch::Device(torch::kCPU);
  std::vector<std::vector<Hypothesis>> finished(batch);

  DecoderState state = model.start(in.enc);
  std::vector<int64_t> sents(batch);  // live sentences, in row-group order
  for (int64_t b = 0; b < batch; ++b) sents[b] = b;
  int64_t per_sent = 1;                          // rows per live sentence (1 before the first step)
  std::vector<std::vector<int64_t>> tokens(batch);  // per row
  torch::Tensor prev = torch::full({batch}, kBosId, torch::dtype(torch::kLong).device(device));
  torch::Tensor cum = torch::zeros({batch}, torch::dtype(torch::kFloat).device(device));  // [N]
  torch::Tensor hist;  // [N, t, S] attention history when asked

  for (int64_t t = 0; !sents.empty(); ++t) {
    const auto live = static_cast<int64_t>(sents.size());
    const int64_t n = live * per_sent;
    StepOut out = model.step(prev, state, opt.want_attention);
    std::vector<bool> force(n);
    for (int64_t i = 0; i < n; ++i) force[i] = t + 1 >= in.max_len[sents[i / per_sent]];
    const torch::Tensor lp = next_token_logprobs(out.logits, force);  // [N, V]
    const int64_t vocab = lp.size(1);
    const torch::Tensor cand = (cum.unsqueeze(1) + lp).view({live, per_sent * vocab});
    const int64_t k2 = std::min(2 * beam, per_sent * vocab);
    auto [top_val, top_idx] = cand.topk(k2, 1, /*largest=*/true, /*sorted=*/true);  // [live, k2]
    // Models without source attention (the rnn baseline) return none: hypotheses then have none.
    if (opt.want_attention && out.attention.defined()) {
      TORCH_CHECK(out.attention.dim() == 2 && out.attention.size(0) == n,
                  "search: step attention must be [N, S] with N = ", n);
      torch::Tensor a = out.attention.unsqueeze(1).to(torch::kFloat);
      hist = hist.defined() ? torch::cat({hist, a}, 1) : a;
    }
    const torch::Tensor val_cpu = top_val.to(torch::kCPU).contiguous();
    const torch::Tensor idx_cpu = top_idx.to(torch::kCPU).contiguous();
    const auto* val_p = val_cpu.data_ptr<float>();
    const auto* idx_p = idx_cpu.data_ptr<int64_t>();

    std::vector<int64_t> keep_rows, reorder, origin, next_sents, next_prev;
    std::vector<float> next_cum;
    std::vector<std::vector<int64_t>> next_tokens;
    for (int64_t a = 0; a < live; ++a) {
      const int64_t s = sents[a];
      std::vector<int64_t> c_origin, c_beam, c_tok;
      std::vector<float> c_val;
      for (int64_t r = 0; r < k2; ++r) {
        const float v = val_p[a * k2 + r];
        const int64_t flat = idx_p[a * k2 + r];
        const int64_t b = flat / vocab, tok = flat % vocab, row = a * per_sent + b;
        if (tok == kEosId) {
          if (r < beam && std::isfinite(v)) {
            Hypothesis h;
            h.tokens = tokens[row];
            h.score = static_cast<double>(v) /
                      length_penalty(static_cast<int64_t>(h.tokens.size()) + 1, opt.length_penalty);
            if (hist.defined()) h.attention = real_attention(hist[row], in.real_positions[s]);
            finished[s].push_back(std::move(h));
          }
        } else if (static_cast<int64_t>(c_origin.size()) < beam) {
          c_origin.push_back(row), c_beam.push_back(b), c_tok.push_back(tok), c_val.push_back(v);
        }
      }
      const bool done = static_cast<int64_t>(finished[s].size()) >= beam || t + 1 >= in.max_len[s] ||
                        static_cast<int64_t>(c_origin.size()) < beam;
      if (done) continue;
      const auto a_next = static_cast<int64_t>(next_sents.size());
      next_sents.push_back(s);
      for (int64_t j = 0; j < per_sent; ++j) keep_rows.push_back(a * per_sent + j);
      for (int64_t m = 0; m < beam; ++m) {
        origin.push_back(c_origin[m]);
        reorder.push_back(a_next * beam + c_beam[m]);
        next_tokens.push_back(tokens[c_origin[m]]);
        next_tokens.back().push_back(c_tok[m]);
        next_prev.push_back(c_tok[m]);
        next_cum.push_back(c_val[m]);
      }
    }
    if (next_sents.empty()) break;

    // Rows of finished sentences leave; the first step fans each sentence out to `beam` rows;
    // then every row takes the decoder state of the hypothesis it extends.
    if (static_cast<int64_t>(keep_rows.size()) < n) state.keep(torch::tensor(keep_rows, torch::kLong));
    if (per_sent == 1) state.expand(beam);
    state.reorder(torch::tensor(reorder, torch::kLong));
    if (hist.defined()) hist = hist.index_select(0, torch::tensor(origin, torch::kLong).to(device));
    cum = torch::tensor(next_cum, torch::kFloat).to(device);
    prev = torch::tensor(next_prev, torch::kLong).to(device);
    tokens = std::move(next_tokens);
    sents = std::move(next_sents);
    per_sent = beam;
  }

  for (auto& hyps : finished) {
    std::stable_sort(hyps.begin(), hyps.end(),
                     [](const Hypothesis& x, const Hypothesis& y) { return x.score > y.score; });
    if (static_cast<int64_t>(hyps.size()) > opt.nbest) hyps.resize(opt.nbest);
  }
  return finished;
}

}  // namespace nmt::detail
