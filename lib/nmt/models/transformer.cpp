#include "nmt/models/transformer.h"

#include <cmath>

#include "nmt/layers/scaled_dot_product.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

std::string key(const char* name, size_t layer) { return std::string(name) + "." + std::to_string(layer); }

constexpr int64_t kKvChunk = 8;  // the self-attention K/V cache grows by this many positions

// Makes per_hyp["self_kv"] ([N, H, 2L, T_cap, d_k]) ready for step t to write position t in
// place: grows T_cap by kKvChunk positions when full, copying positions 0 … t-1. A cache that
// another DecoderState (a copy of this one) still shares is copied first, so that copies of a
// state stay independent, as with any other state tensor; beam search's reorder and keep make
// fresh tensors, so that costs nothing in a search.
torch::Tensor& kv_cache_for(DecoderState& state, int64_t t) {
  torch::Tensor& kv = state.per_hyp.at("self_kv");
  TORCH_CHECK(kv.dim() == 5 && kv.size(3) >= t, "transformer step: self_kv must be [N, H, 2L, T_cap >= ", t,
              ", d_k], got ", kv.sizes());
  if (kv.size(3) > t) {
    if (kv.use_count() > 1 || kv.storage().use_count() > 1) kv = kv.clone();  // handles or views elsewhere
    return kv;
  }
  auto sizes = kv.sizes().vec();
  sizes[3] = t + kKvChunk;
  torch::Tensor grown = torch::empty(sizes, kv.options());  // positions > t are written before they are read
  if (t > 0) grown.narrow(3, 0, t).copy_(kv.narrow(3, 0, t));
  kv = grown;
  return kv;
}

}  // namespace

TransformerImpl::TransformerImpl(const TransformerOptions& options_) : options(options_) {
  throw_if_invalid(check(options), "model");
  const auto& o = options;
  const bool pre_norm = o.norm() == NormPosition::Pre;
  const int64_t D = o.d_model(), src_vocab = o.src_vocab(), tgt_vocab = o.tgt_vocab();

  if (o.tied_embeddings()) {
    shared_embedding = register_module("shared_embedding", torch::nn::Embedding(src_vocab, D));
    torch::nn::init::normal_(shared_embedding->weight, 0.0, std::pow(static_cast<double>(D), -0.5));
  }
  auto emb_options = [&](int64_t vocab) {
    return TransformerEmbeddingOptions(vocab, D).max_positions(o.max_positions());
  };
  src_embed = register_module("src_embed", TransformerEmbedding(emb_options(src_vocab), shared_embedding));
  tgt_embed = register_module("tgt_embed", TransformerEmbedding(emb_options(tgt_vocab), shared_embedding));

  auto layer_options = TransformerLayerOptions(D, o.heads(), o.ffn())
                           .dropout(o.dropout())
                           .attention_dropout(o.attention_dropout())
                           .pre_norm(pre_norm);
  encoder_layers = register_module("encoder_layers", torch::nn::ModuleList());
  for (int64_t l = 0; l < o.enc_layers(); ++l) encoder_layers->push_back(TransformerEncoderLayer(layer_options));
  decoder_layers = register_module("decoder_layers", torch::nn::ModuleList());
  for (int64_t l = 0; l < o.dec_layers(); ++l) decoder_layers->push_back(TransformerDecoderLayer(layer_options));
  if (pre_norm) {  // pre-norm leaves the residual stream unnormalised: normalise each stack's output
    encoder_norm = register_module("encoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({D})));
    decoder_norm = register_module("decoder_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({D})));
  }
  dropout = register_module("dropout", torch::nn::Dropout(o.dropout()));
  if (o.tied_embeddings()) {  // the embedding matrix scores every word (a layer that owns nothing)
    generator = register_module("generator", Linear(LinearOptions(D, tgt_vocab).bias(false), shared_embedding->weight));
  } else {
    generator = register_module("generator", Linear(LinearOptions(D, tgt_vocab).bias(false)));
    torch::nn::init::xavier_uniform_(generator->weight);
  }
}

void TransformerImpl::set_attention_view(int64_t layer, int64_t head) {
  Seq2SeqImpl::set_attention_view(layer, head);  // range checks against attention_views()
  attn_layer_ = layer;
  attn_head_ = head;
}

int64_t TransformerImpl::view_layer() const { return attn_layer_ < 0 ? options.dec_layers() - 1 : attn_layer_; }

torch::Tensor TransformerImpl::attention_view(const torch::Tensor& weights) const {
  return attn_head_ < 0 ? weights.mean(1) : weights.select(1, attn_head_);
}

torch::Tensor TransformerImpl::logits(const torch::Tensor& y) {
  // Tied in float32: the same matmul as before nmt::Linear, so that outputs stay bit-identical.
  if (options.tied_embeddings() && !generator->is_int8()) return torch::matmul(y, shared_embedding->weight.t());
  return generator(y);
}

EncoderOut TransformerImpl::encode(const torch::Tensor& src, const torch::Tensor& src_mask) {
  TORCH_CHECK(src.dim() == 2 && src_mask.sizes() == src.sizes(), "transformer encode: src and src_mask must be [B, S], got ",
              src.sizes(), " and ", src_mask.sizes());
  auto mask = src_mask.unsqueeze(1).unsqueeze(2);  // [B, 1, 1, S]: every query, every head
  auto x = dropout(src_embed(src));                 // [B, S, D]
  for (const auto& layer : *encoder_layers) x = layer->as<TransformerEncoderLayer>()->forward(x, mask);
  if (encoder_norm) x = encoder_norm(x);
  return {x, src_mask, {}};
}

DecoderState TransformerImpl::start(const EncoderOut& enc) {
  DecoderState state;
  const int64_t N = enc.memory.size(0), H = options.heads(), dk = options.d_model() / options.heads();
  state.per_src["src_mask"] = enc.src_mask;
  for (size_t l = 0; l < decoder_layers->size(); ++l) {
    auto layer = decoder_layers[l]->as<TransformerDecoderLayer>();
    auto kv = layer->cross_attn->project_kv(enc.memory);  // once per source sentence
    state.per_src[key("cross_k", l)] = kv.first;
    state.per_src[key("cross_v", l)] = kv.second;
  }
  const int64_t L = static_cast<int64_t>(decoder_layers->size());
  state.per_hyp["self_kv"] = torch::empty({N, H, 2 * L, kKvChunk, dk}, enc.memory.options());
  return state;
}

StepOut TransformerImpl::step(const torch::Tensor& prev, DecoderState& state, bool want_attention) {
  TORCH_CHECK(prev.dim() == 1 && prev.size(0) == state.size(), "transformer step: prev must be [N] with N = ",
              state.size(), ", got ", prev.sizes());
  auto src_mask = state.per_src.at("src_mask").unsqueeze(1).unsqueeze(2);  // [N, 1, 1, S]
  const int64_t t = state.step;
  auto y = dropout(tgt_embed(prev.unsqueeze(1), /*offset=*/t));   // [N, 1, D]
  const torch::Tensor& kv = kv_cache_for(state, t);  // [N, H, 2L, T_cap, d_k]
  torch::Tensor attention;
  for (size_t l = 0; l < decoder_layers->size(); ++l) {
    const auto i = static_cast<int64_t>(2 * l);
    auto out = decoder_layers[l]->as<TransformerDecoderLayer>()->forward_step(
        y, kv.select(2, i), kv.select(2, i + 1), t, state.per_src.at(key("cross_k", l)),
        state.per_src.at(key("cross_v", l)), src_mask);
    y = out.x;
    if (want_attention && static_cast<int64_t>(l) == view_layer())
      attention = attention_view(out.cross_weights).squeeze(1);  // [N, S]
  }
  if (decoder_norm) y = decoder_norm(y);
  state.step += 1;
  return {logits(y.squeeze(1)), attention};  // logits: [N, V]
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& src, const torch::Tensor& src_mask,
                                       const torch::Tensor& tgt_in) {
  TORCH_CHECK(tgt_in.dim() == 2 && tgt_in.size(0) == src.size(0), "transformer forward: tgt_in must be [B, T], got ",
              tgt_in.sizes());
  auto memory = encode(src, src_mask).memory;
  auto mask = src_mask.unsqueeze(1).unsqueeze(2);            // [B, 1, 1, S]
  auto causal = causal_mask(tgt_in.size(1), tgt_in.device());  // [T, T]: position i sees 0..i
  auto y = dropout(tgt_embed(tgt_in));                       // [B, T, D]
  for (const auto& module : *decoder_layers) {
    auto layer = module->as<TransformerDecoderLayer>();
    auto kv = layer->cross_attn->project_kv(memory);
    y = layer->forward(y, causal, kv.first, kv.second, mask).x;
  }
  if (decoder_norm) y = decoder_norm(y);
  return logits(y);  // [B, T, V]
}

}  // namespace nmt
