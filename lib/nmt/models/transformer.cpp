#include "nmt/models/transformer.h"

#include <algorithm>
#include <cmath>

#include "nmt/layers/scaled_dot_product.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

std::string key(const char* name, size_t layer) { return std::string(name) + "." + std::to_string(layer); }

constexpr int64_t kKvFirst = 16;  // positions of the first self-attention K/V cache; it doubles when full

// Makes shared["self_kv"] ([T_cap, slots, 2L, H, d_k]) ready for step t to write position t of
// slots 0 … N-1 in place: doubles T_cap when full and adds slots when N outgrows them, copying
// positions 0 … t-1. A cache that another DecoderState (a copy of this one) still shares is
// copied first, so that copies of a state stay independent, as with any other state tensor.
torch::Tensor& kv_cache_for(DecoderState& state, int64_t t, int64_t N) {
  torch::Tensor& kv = state.shared.at("self_kv");
  TORCH_CHECK(kv.dim() == 5 && kv.size(0) >= t, "transformer step: self_kv must be [T_cap >= ", t,
              ", slots, 2L, H, d_k], got ", kv.sizes());
  if (kv.size(0) > t && kv.size(1) >= N) {
    if (kv.use_count() > 1 || kv.storage().use_count() > 1) kv = kv.clone();  // handles or views elsewhere
    return kv;
  }
  auto sizes = kv.sizes().vec();
  if (sizes[0] <= t) sizes[0] = std::max({kKvFirst, 2 * sizes[0], t + 1});
  sizes[1] = std::max(sizes[1], N);
  torch::Tensor grown = torch::empty(sizes, kv.options());  // positions > t are written before they are read
  if (t > 0) grown.narrow(0, 0, t).narrow(1, 0, kv.size(1)).copy_(kv.narrow(0, 0, t));
  kv = grown;
  return kv;
}

// per_hyp["kv_slot"] [N, t] → [N, t + 1]: hypothesis n writes position t into slot n.
const torch::Tensor& append_slots(DecoderState& state, int64_t t, int64_t N) {
  torch::Tensor& slot = state.per_hyp.at("kv_slot");
  TORCH_CHECK(slot.dim() == 2 && slot.size(0) == N && slot.size(1) == t, "transformer step: kv_slot must be [", N,
              ", ", t, "], got ", slot.sizes());
  slot = torch::cat({slot, torch::arange(N, slot.options()).unsqueeze(1)}, 1);
  return slot;
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
  const int64_t B = enc.memory.size(0), H = options.heads(), dk = options.d_model() / options.heads();
  const int64_t L = static_cast<int64_t>(decoder_layers->size());
  state.shared["src_mask"] = enc.src_mask;
  for (size_t l = 0; l < decoder_layers->size(); ++l) {
    auto layer = decoder_layers[l]->as<TransformerDecoderLayer>();
    auto kv = layer->cross_attn->project_kv(enc.memory);  // once per source sentence
    state.shared[key("cross_k", l)] = kv.first;
    state.shared[key("cross_v", l)] = kv.second;
  }
  state.shared["self_kv"] = torch::empty({0, B, 2 * L, H, dk}, enc.memory.options());
  const auto index = torch::TensorOptions().dtype(torch::kLong).device(enc.memory.device());
  state.per_hyp["src_row"] = torch::arange(B, index);
  state.per_hyp["kv_slot"] = torch::empty({B, 0}, index);
  return state;
}

StepOut TransformerImpl::step(const torch::Tensor& prev, DecoderState& state, bool want_attention) {
  TORCH_CHECK(prev.dim() == 1 && prev.size(0) == state.size(), "transformer step: prev must be [N] with N = ",
              state.size(), ", got ", prev.sizes());
  const int64_t t = state.step, N = prev.size(0);
  const torch::Tensor& src_row = state.per_hyp.at("src_row");
  const torch::Tensor& src_mask = state.shared.at("src_mask");
  auto y = dropout(tgt_embed(prev.unsqueeze(1), /*offset=*/t));  // [N, 1, D]
  const torch::Tensor& kv = kv_cache_for(state, t, N);            // [T_cap, slots, 2L, H, d_k]
  const torch::Tensor& slot_of = append_slots(state, t, N);       // [N, t + 1]
  torch::Tensor attention;
  for (size_t l = 0; l < decoder_layers->size(); ++l) {
    auto out = decoder_layers[l]->as<TransformerDecoderLayer>()->forward_step(
        y, kv, static_cast<int64_t>(2 * l), slot_of, t, state.shared.at(key("cross_k", l)),
        state.shared.at(key("cross_v", l)), src_row, src_mask);
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
