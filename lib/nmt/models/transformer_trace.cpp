// TransformerImpl::trace: the teacher-forced decoder pass with every head of both attentions
// recorded, for `nmt explain`. Same modules and maths as forward() (the layers hand back what
// they computed), so the weights equal what step() reports.
#include <spdlog/fmt/fmt.h>

#include "nmt/layers/scaled_dot_product.h"
#include "nmt/models/transformer.h"

namespace nmt {
namespace {

// One head of one multi-head attention, for the single sentence of the batch.
AttentionTrace head_trace(const AttentionOut& a, const std::string& name, int64_t layer, int64_t head,
                          const torch::Tensor& mask, bool keys_are_source) {
  AttentionTrace t;
  t.name = name;
  t.layer = layer;
  t.head = head;
  t.keys_are_source = keys_are_source;
  t.query = a.q[0][head];     // [T, d_k]
  t.keys = a.k[0][head];      // [K, d_k]
  t.values = a.v[0][head];    // [K, d_v]
  t.scores = a.scores[0][head];  // [T, K]
  t.mask = mask;               // [T, K]
  t.weights = a.weights[0][head];
  t.output = a.heads[0][head];  // [T, d_v]
  return t;
}

}  // namespace

ModelTrace TransformerImpl::trace(const torch::Tensor& src, const torch::Tensor& src_mask,
                                  const torch::Tensor& tgt_in) {
  TORCH_CHECK(src.dim() == 2 && src.size(0) == 1 && tgt_in.dim() == 2 && tgt_in.size(0) == 1,
              "transformer trace: one sentence, src [1, S] and tgt_in [1, T], got ", src.sizes(), " and ",
              tgt_in.sizes());
  const int64_t T = tgt_in.size(1), S = src.size(1), H = options.heads(), D = options.d_model();
  const auto memory = encode(src, src_mask).memory;
  const auto mask = src_mask.unsqueeze(1).unsqueeze(2);        // [1, 1, 1, S]
  const auto causal = causal_mask(T, tgt_in.device());         // [T, T]
  const auto cross_mask = src_mask[0].unsqueeze(0).expand({T, S});  // [T, S]
  ModelTrace out;
  auto y = tgt_embed(tgt_in);  // [1, T, D]
  for (size_t l = 0; l < decoder_layers->size(); ++l) {
    auto layer = decoder_layers[l]->as<TransformerDecoderLayer>();
    auto kv = layer->cross_attn->project_kv(memory);
    DecoderLayerOut r = layer->forward(y, causal, kv.first, kv.second, mask);
    for (int64_t h = 0; h < H; ++h) {
      out.attention.push_back(head_trace(r.cross_attention, "cross-attention", l, h, cross_mask, true));
      out.attention.push_back(head_trace(r.self_attention, "masked self-attention", l, h, causal, false));
    }
    y = r.x;
  }
  if (decoder_norm) y = decoder_norm(y);
  out.logits = logits(y)[0];  // [T, V]
  const int64_t dk = D / H;
  out.notes = {
      fmt::format("Each of the {} decoder layers projects its input (d_model = {}) into queries, keys and values "
                  "with one matrix W^QKV of {} × {}, and splits each into {} heads of d_k = {}.",
                  options.dec_layers(), D, 3 * D, D, H, dk),
      fmt::format("Every head attends on its own: softmax(q·k / √{} = {:.3g}) over the keys, then the weighted sum of "
                  "the values gives a {}-number vector per position.",
                  dk, std::sqrt(static_cast<double>(dk)), dk),
      fmt::format("The {} head outputs are concatenated: {} × {} = {} numbers per position, and projected by W^O "
                  "({} × {}) back to d_model = {}, which is added to the layer's input (the residual stream).",
                  H, H, dk, H * dk, D, D, D),
      fmt::format("Masked self-attention looks at the target words written so far (position t sees 1..t; the rest "
                  "are masked to −∞, weight 0); cross-attention looks at all {} source tokens.",
                  S)};
  return out;
}

}  // namespace nmt
