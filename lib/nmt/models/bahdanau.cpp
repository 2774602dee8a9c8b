#include "nmt/models/bahdanau.h"

#include "nmt/util/error.h"

namespace nmt {

BahdanauSeq2SeqImpl::BahdanauSeq2SeqImpl(const BahdanauOptions& options_) : options(options_) {
  throw_if_invalid(check(options), "model");
  const int64_t H = options.hidden(), E = options.emb_dim(), L = options.dec_layers();
  const int64_t src_vocab = options.src_vocab(), tgt_vocab = options.tgt_vocab();
  encoder = register_module("encoder", RnnEncoder(RnnEncoderOptions(src_vocab, E, H / 2)
                                                      .layers(options.enc_layers())
                                                      .bidirectional(true)
                                                      .cell(options.cell())
                                                      .dropout(options.dropout())));
  bridge_h = register_module("bridge_h", Linear(LinearOptions(H, L * H)));
  if (lstm()) bridge_c = register_module("bridge_c", Linear(LinearOptions(H, L * H)));
  tgt_embedding = register_module("tgt_embedding", torch::nn::Embedding(tgt_vocab, E));
  attention = register_module("attention", AdditiveAttention(AdditiveAttentionOptions(H, H, options.attn_dim())));
  cells = register_module("cells", torch::nn::ModuleList());
  for (int64_t l = 0; l < L; ++l) {
    const int64_t in = l == 0 ? E + H : H;  // layer 0 reads [emb(y_{t-1}) ; c_t]
    if (lstm())
      cells->push_back(torch::nn::LSTMCell(in, H));
    else
      cells->push_back(torch::nn::GRUCell(in, H));
  }
  readout = register_module("readout", Linear(LinearOptions(H + H + E, 2 * E)));
  dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  if (options.tied_embeddings()) {  // a tied layer that owns nothing (saved only in int8)
    generator_bias = register_parameter("generator_bias", torch::zeros({tgt_vocab}));
    generator = register_module(
        "generator", Linear(LinearOptions(E, tgt_vocab).bias(false), tgt_embedding->weight, generator_bias));
  } else {
    generator = register_module("generator", Linear(LinearOptions(E, tgt_vocab)));
  }
}

EncoderOut BahdanauSeq2SeqImpl::encode(const torch::Tensor& src, const torch::Tensor& src_mask) {
  auto enc = encoder(src, src_mask);
  EncoderOut out{enc.memory, src_mask, {}};  // memory: [B, S, H]
  // Final states of the top encoder layer, both directions: [B, H]
  const int64_t B = src.size(0), L = options.dec_layers(), H = options.hidden();
  auto top = [](const torch::Tensor& t) { return concat_directions(t)[-1]; };
  out.extra["h"] = torch::tanh(bridge_h(top(enc.h))).view({B, L, H});
  if (lstm()) out.extra["c"] = torch::tanh(bridge_c(top(enc.c))).view({B, L, H});
  out.extra["keys"] = attention->project_keys(enc.memory);  // U·h_j, once per source: [B, S, A]
  return out;
}

DecoderState BahdanauSeq2SeqImpl::start(const EncoderOut& enc) {
  DecoderState state;
  state.per_src["memory"] = enc.memory;
  state.per_src["src_mask"] = enc.src_mask;
  state.per_src["keys"] = enc.extra.at("keys");
  state.per_hyp["h"] = enc.extra.at("h");
  if (lstm()) state.per_hyp["c"] = enc.extra.at("c");
  return state;
}

BahdanauSeq2SeqImpl::Recurrent BahdanauSeq2SeqImpl::initial_state(const EncoderOut& enc) {
  Recurrent rec;
  rec.h = enc.extra.at("h").unbind(1);
  if (lstm()) rec.c = enc.extra.at("c").unbind(1);
  return rec;
}

BahdanauSeq2SeqImpl::StepResult BahdanauSeq2SeqImpl::decode_step(const torch::Tensor& emb, Recurrent& rec,
                                                                   const torch::Tensor& keys,
                                                                   const torch::Tensor& memory,
                                                                   const torch::Tensor& mask) {
  // 1. Attend with the previous top-layer state s_{t-1}.
  const torch::Tensor query = rec.h.back();
  auto att = attention(query, keys, memory, mask);
  // 2. Advance the recurrent layers on [emb(y_{t-1}) ; c_t].
  auto x = torch::cat({emb, att.context}, 1);
  const int64_t L = static_cast<int64_t>(rec.h.size());
  for (int64_t l = 0; l < L; ++l) {
    if (lstm()) {
      std::tie(rec.h[l], rec.c[l]) = cells[l]->as<torch::nn::LSTMCell>()->forward(x, std::make_tuple(rec.h[l], rec.c[l]));
    } else {
      rec.h[l] = cells[l]->as<torch::nn::GRUCell>()->forward(x, rec.h[l]);
    }
    x = l + 1 < L ? dropout(rec.h[l]) : rec.h[l];
  }
  return {rec.h.back(), att.context, att.weights, query, att.energies};
}

torch::Tensor BahdanauSeq2SeqImpl::output_layer(const torch::Tensor& s, const torch::Tensor& context,
                                                const torch::Tensor& emb) {
  // Maxout readout: the max of pairs of linear units (Goodfellow et al. 2013), emb_dim wide.
  auto pre = readout(torch::cat({s, context, emb}, -1));                       // [..., 2E]
  auto r = std::get<0>(pre.unflatten(-1, {options.emb_dim(), 2}).max(-1));         // [..., E]
  r = dropout(r);
  return generator(r);  // [..., V]; tied: F::linear(r, W_emb, generator_bias), as before
}

StepOut BahdanauSeq2SeqImpl::step(const torch::Tensor& prev, DecoderState& state, bool want_attention) {
  TORCH_CHECK(prev.dim() == 1 && prev.size(0) == state.size(), "bahdanau step: prev must be [N] with N = ",
              state.size(), ", got ", prev.sizes());
  Recurrent rec;
  rec.h = state.per_hyp.at("h").unbind(1);
  if (lstm()) rec.c = state.per_hyp.at("c").unbind(1);
  auto emb = dropout(tgt_embedding(prev));  // [N, E]
  auto res = decode_step(emb, rec, state.per_src.at("keys"), state.per_src.at("memory"),
                         state.per_src.at("src_mask"));
  state.per_hyp["h"] = torch::stack(rec.h, 1);
  if (lstm()) state.per_hyp["c"] = torch::stack(rec.c, 1);
  state.step += 1;
  StepOut out{output_layer(res.s, res.context, emb), {}};
  if (want_attention) out.attention = res.weights;  // [N, S]
  return out;
}

torch::Tensor BahdanauSeq2SeqImpl::forward(const torch::Tensor& src, const torch::Tensor& src_mask,
                                           const torch::Tensor& tgt_in) {
  TORCH_CHECK(tgt_in.dim() == 2 && tgt_in.size(0) == src.size(0), "bahdanau forward: tgt_in must be [B, T], got ",
              tgt_in.sizes());
  auto enc = encode(src, src_mask);
  auto rec = initial_state(enc);
  auto keys = enc.extra.at("keys");
  auto emb = dropout(tgt_embedding(tgt_in));  // [B, T, E], embedded once for all steps
  const int64_t T = tgt_in.size(1);
  std::vector<torch::Tensor> states, contexts;
  states.reserve(T);
  contexts.reserve(T);
  // The recurrence is inherently sequential; only attention and the cells run per step.
  for (int64_t t = 0; t < T; ++t) {
    auto res = decode_step(emb.select(1, t), rec, keys, enc.memory, src_mask);
    states.push_back(res.s);
    contexts.push_back(res.context);
  }
  // Readout and the (large) vocabulary projection run once over all steps.
  return output_layer(torch::stack(states, 1), torch::stack(contexts, 1), emb);  // [B, T, V]
}

}  // namespace nmt
