// BahdanauSeq2SeqImpl::trace: the teacher-forced decoder with each step's additive attention
// recorded — e_ij = vᵀ tanh(W s_{i-1} + U h_j), the softmax weights, the context c_i — for
// `nmt explain`. It runs the same decode_step() as forward() and step().
#include <spdlog/fmt/fmt.h>

#include "nmt/models/bahdanau.h"

namespace nmt {

ModelTrace BahdanauSeq2SeqImpl::trace(const torch::Tensor& src, const torch::Tensor& src_mask,
                                      const torch::Tensor& tgt_in) {
  TORCH_CHECK(src.dim() == 2 && src.size(0) == 1 && tgt_in.dim() == 2 && tgt_in.size(0) == 1,
              "bahdanau trace: one sentence, src [1, S] and tgt_in [1, T], got ", src.sizes(), " and ",
              tgt_in.sizes());
  const auto enc = encode(src, src_mask);
  auto rec = initial_state(enc);
  const auto keys = enc.extra.at("keys");  // [1, S, A] = U·h_j
  const auto emb = tgt_embedding(tgt_in);  // [1, T, E]
  const int64_t T = tgt_in.size(1), S = src.size(1);
  std::vector<torch::Tensor> states, contexts, weights, queries, energies;
  for (int64_t t = 0; t < T; ++t) {
    auto r = decode_step(emb.select(1, t), rec, keys, enc.memory, src_mask);
    states.push_back(r.s[0]);
    contexts.push_back(r.context[0]);
    weights.push_back(r.weights[0]);
    queries.push_back(r.query[0]);
    energies.push_back(r.energies[0]);
  }
  ModelTrace out;
  AttentionTrace a;
  a.name = "additive attention";
  a.dot_product = false;
  a.query = torch::stack(queries);    // [T, H]  s_{i-1}
  a.keys = keys[0];                   // [S, A]  U·h_j
  a.values = enc.memory[0];           // [S, H]  h_j
  a.scores = torch::stack(energies);  // [T, S]  e_ij
  a.mask = src_mask[0].unsqueeze(0).expand({T, S});
  a.weights = torch::stack(weights);  // [T, S]
  a.output = torch::stack(contexts);  // [T, H]  c_i
  out.attention.push_back(std::move(a));
  out.logits = output_layer(torch::stack(states, 0).unsqueeze(0), torch::stack(contexts, 0).unsqueeze(0), emb)[0];
  const int64_t H = options.hidden(), E = options.emb_dim();
  out.notes = {
      fmt::format("The bidirectional encoder turns each of the {} source tokens into a state h_j of {} numbers "
                  "({} forward + {} backward).",
                  S, H, H / 2, H / 2),
      fmt::format("At step i the decoder's previous state s_(i−1) ({} numbers) scores every h_j: "
                  "e_ij = vᵀ tanh(W·s_(i−1) + U·h_j), with W and U mapping into {} dimensions; the softmax "
                  "turns the energies into weights w_ij that sum to 1.",
                  H, options.attn_dim()),
      fmt::format("The context c_i = Σ_j w_ij·h_j ({} numbers) is concatenated with the embedding of the "
                  "previous word ({} numbers): the {} cell reads [emb(y_(i−1)) ; c_i] = {} numbers.",
                  H, E, enum_name(options.cell()), E + H),
      fmt::format("The new state s_i, c_i and the embedding go through a maxout readout ({} → {}) to the output "
                  "layer over the {} target words.",
                  2 * H + E, E, options.tgt_vocab())};
  return out;
}

}  // namespace nmt
