#include "nmt/models/rnn.h"

#include "nmt/util/error.h"

namespace nmt {

RnnSeq2SeqImpl::RnnSeq2SeqImpl(const RnnOptions& options_) : options(options_) {
  throw_if_invalid(check(options), "model");
  const auto& o = options;
  encoder = register_module("encoder", RnnEncoder(RnnEncoderOptions(o.src_vocab(), o.emb_dim(), o.hidden())
                                                      .layers(o.layers())
                                                      .bidirectional(o.bidirectional())
                                                      .cell(o.cell())
                                                      .dropout(o.dropout())));
  if (o.bidirectional()) {
    bridge_h = register_module("bridge_h", Linear(LinearOptions(2 * o.hidden(), o.hidden())));
    if (o.cell() == RnnCell::LSTM)
      bridge_c = register_module("bridge_c", Linear(LinearOptions(2 * o.hidden(), o.hidden())));
  }
  tgt_embedding = register_module("tgt_embedding", torch::nn::Embedding(o.tgt_vocab(), o.emb_dim()));
  const double between_layers = o.layers() > 1 ? o.dropout() : 0.0;
  if (o.cell() == RnnCell::GRU)
    decoder_gru = register_module("decoder_gru", torch::nn::GRU(torch::nn::GRUOptions(o.emb_dim(), o.hidden())
                                                                    .num_layers(o.layers())
                                                                    .dropout(between_layers)
                                                                    .batch_first(true)));
  else
    decoder_lstm = register_module("decoder_lstm", torch::nn::LSTM(torch::nn::LSTMOptions(o.emb_dim(), o.hidden())
                                                                       .num_layers(o.layers())
                                                                       .dropout(between_layers)
                                                                       .batch_first(true)));
  dropout = register_module("dropout", torch::nn::Dropout(o.dropout()));
  if (o.tied_embeddings()) {  // logits = s W_embᵀ + b: a tied layer that owns nothing (saved only in int8)
    generator_bias = register_parameter("generator_bias", torch::zeros({o.tgt_vocab()}));
    generator = register_module("generator", Linear(LinearOptions(o.hidden(), o.tgt_vocab()).bias(false),
                                                    tgt_embedding->weight, generator_bias));
  } else {
    generator = register_module("generator", Linear(LinearOptions(o.hidden(), o.tgt_vocab())));
  }
}

EncoderOut RnnSeq2SeqImpl::encode(const torch::Tensor& src, const torch::Tensor& src_mask) {
  auto enc = encoder(src, src_mask);
  // The decoder's initial state s_0: [layers, B, H]
  auto h0 = enc.h, c0 = enc.c;
  if (options.bidirectional()) {
    h0 = torch::tanh(bridge_h(concat_directions(enc.h)));
    if (c0.defined()) c0 = torch::tanh(bridge_c(concat_directions(enc.c)));
  }
  EncoderOut out{enc.memory, src_mask, {}};
  out.extra["h"] = h0.transpose(0, 1);  // [B, layers, H]: dim 0 is the sentence
  if (c0.defined()) out.extra["c"] = c0.transpose(0, 1);
  return out;
}

DecoderState RnnSeq2SeqImpl::start(const EncoderOut& enc) {
  DecoderState state;
  // The encoder's final state is the decoder's only view of the source.
  state.per_hyp["h"] = enc.extra.at("h");
  if (enc.extra.count("c")) state.per_hyp["c"] = enc.extra.at("c");
  return state;
}

torch::Tensor RnnSeq2SeqImpl::run_decoder(const torch::Tensor& x, torch::Tensor& h, torch::Tensor& c) {
  torch::Tensor out;
  if (decoder_gru) {
    std::tie(out, h) = decoder_gru(x, h);
  } else {
    std::tuple<torch::Tensor, torch::Tensor> hc;
    std::tie(out, hc) = decoder_lstm(x, std::make_tuple(h, c));
    std::tie(h, c) = hc;
  }
  return out;
}

torch::Tensor RnnSeq2SeqImpl::logits(const torch::Tensor& s) {
  return generator(s);  // tied: F::linear(s, W_emb, generator_bias), as before
}

StepOut RnnSeq2SeqImpl::step(const torch::Tensor& prev, DecoderState& state, bool /*want_attention*/) {
  TORCH_CHECK(prev.dim() == 1 && prev.size(0) == state.size(), "rnn step: prev must be [N] with N = ",
              state.size(), ", got ", prev.sizes());
  auto h = state.per_hyp.at("h").transpose(0, 1).contiguous();  // [layers, N, H]
  torch::Tensor c;
  if (state.per_hyp.count("c")) c = state.per_hyp.at("c").transpose(0, 1).contiguous();
  auto x = dropout(tgt_embedding(prev.unsqueeze(1)));  // [N, 1, E]
  auto s = run_decoder(x, h, c).squeeze(1);             // [N, H]
  state.per_hyp["h"] = h.transpose(0, 1);
  if (c.defined()) state.per_hyp["c"] = c.transpose(0, 1);
  state.step += 1;
  // No attention: the model never looks back at the source, so StepOut::attention stays undefined.
  return {logits(dropout(s)), {}};
}

torch::Tensor RnnSeq2SeqImpl::forward(const torch::Tensor& src, const torch::Tensor& src_mask,
                                      const torch::Tensor& tgt_in) {
  TORCH_CHECK(tgt_in.dim() == 2 && tgt_in.size(0) == src.size(0), "rnn forward: tgt_in must be [B, T], got ",
              tgt_in.sizes());
  auto enc = encode(src, src_mask);
  auto h = enc.extra.at("h").transpose(0, 1).contiguous();
  torch::Tensor c;
  if (enc.extra.count("c")) c = enc.extra.at("c").transpose(0, 1).contiguous();
  auto s = run_decoder(dropout(tgt_embedding(tgt_in)), h, c);  // [B, T, H], all steps at once
  return logits(dropout(s));                                    // [B, T, V]
}

}  // namespace nmt
