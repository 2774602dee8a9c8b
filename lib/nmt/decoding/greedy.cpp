// Greedy search: the arg-max token at every step, many sentences at once; a sentence leaves
// the batch (DecoderState::keep) as soon as it emits EOS.
#include <torch/torch.h>

#include "nmt/data/vocab.h"
#include "nmt/decoding/search_detail.h"

namespace nmt::detail {

std::vector<std::vector<Hypothesis>> greedy_search(Seq2SeqImpl& model, const SearchInputs& in,
                                                   const SearchOptions& opt) {
  const auto batch = static_cast<int64_t>(in.max_len.size());
  const torch::Device device = in.enc.memory.defined() ? in.enc.memory.device() : torch::Device(torch::kCPU);
  std::vector<std::vector<Hypothesis>> result(batch);

  DecoderState state = model.start(in.enc);
  std::vector<int64_t> row_sent(batch);  // sentence of each live row
  for (int64_t b = 0; b < batch; ++b) row_sent[b] = b;
  std::vector<std::vector<int64_t>> tokens(batch);
  torch::Tensor prev = torch::full({batch}, kBosId, torch::dtype(torch::kLong).device(device));
  torch::Tensor cum = torch::zeros({batch}, torch::dtype(torch::kFloat).device(device));  // [N]
  torch::Tensor hist;  // [N, t, S] attention history when asked

  for (int64_t t = 0; !row_sent.empty(); ++t) {
    const auto n = static_cast<int64_t>(row_sent.size());
    StepOut out = model.step(prev, state, opt.want_attention);
    std::vector<bool> force(n);
    for (int64_t i = 0; i < n; ++i) force[i] = t + 1 >= in.max_len[row_sent[i]];
    torch::Tensor lp = next_token_logprobs(out.logits, force);  // [N, V]
    auto [best, arg] = lp.max(1);                                // [N], [N]
    cum = cum + best;
    // Models without source attention (the rnn baseline) return none: hypotheses then have none.
    if (opt.want_attention && out.attention.defined()) {
      TORCH_CHECK(out.attention.dim() == 2 && out.attention.size(0) == n,
                  "search: step attention must be [N, S] with N = ", n);
      torch::Tensor a = out.attention.unsqueeze(1).to(torch::kFloat);
      hist = hist.defined() ? torch::cat({hist, a}, 1) : a;
    }
    const torch::Tensor arg_cpu = arg.to(torch::kCPU), cum_cpu = cum.to(torch::kCPU);
    const auto* arg_p = arg_cpu.data_ptr<int64_t>();
    const auto* cum_p = cum_cpu.data_ptr<float>();

    std::vector<int64_t> alive;
    for (int64_t i = 0; i < n; ++i) {
      if (arg_p[i] == kEosId) {
        Hypothesis h;
        h.tokens = std::move(tokens[i]);
        h.score = static_cast<double>(cum_p[i]) /
                  length_penalty(static_cast<int64_t>(h.tokens.size()) + 1, opt.length_penalty);
        if (hist.defined()) h.attention = real_attention(hist[i], in.real_positions[row_sent[i]]);
        result[row_sent[i]].push_back(std::move(h));
      } else {
        tokens[i].push_back(arg_p[i]);
        alive.push_back(i);
      }
    }
    if (alive.empty()) break;
    if (static_cast<int64_t>(alive.size()) < n) {  // finished sentences leave the batch
      torch::Tensor idx = torch::tensor(alive, torch::kLong);
      state.keep(idx);
      idx = idx.to(device);
      arg = arg.index_select(0, idx);
      cum = cum.index_select(0, idx);
      if (hist.defined()) hist = hist.index_select(0, idx);
      std::vector<int64_t> rs;
      std::vector<std::vector<int64_t>> tk;
      for (int64_t i : alive) {
        rs.push_back(row_sent[i]);
        tk.push_back(std::move(tokens[i]));
      }
      row_sent = std::move(rs);
      tokens = std::move(tk);
    }
    prev = arg;
  }
  return result;
}

}  // namespace nmt::detail
