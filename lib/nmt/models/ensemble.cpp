#include "nmt/models/ensemble.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <tuple>

#include "nmt/util/error.h"

namespace nmt {
namespace {

using TensorMap = std::map<std::string, torch::Tensor>;

std::string prefix(size_t i) { return "m" + std::to_string(i) + "/"; }

// Moves the tensors under `p` ("m<i>/key") out of `all` (erasing them) into a map of their
// own keys.
TensorMap take(TensorMap& all, const std::string& p) {
  TensorMap out;
  auto it = all.lower_bound(p);
  while (it != all.end() && it->first.compare(0, p.size(), p) == 0) {
    out.emplace(it->first.substr(p.size()), std::move(it->second));
    it = all.erase(it);
  }
  return out;
}

// The tensors under `p`, copied (shallow: tensor handles), with their own keys.
TensorMap view(const TensorMap& all, const std::string& p) {
  TensorMap out;
  for (auto it = all.lower_bound(p); it != all.end() && it->first.compare(0, p.size(), p) == 0; ++it)
    out.emplace(it->first.substr(p.size()), it->second);
  return out;
}

void put(TensorMap& all, const std::string& p, TensorMap&& mine) {
  for (auto& [key, t] : mine) all[p + key] = std::move(t);
}

void mix(uint64_t& h, uint64_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); }

void mix_bytes(uint64_t& h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, p + i, 8);
    mix(h, w);
  }
  for (; i < n; ++i) mix(h, p[i]);
}

void mix_tensor(uint64_t& h, const std::string& name, const torch::Tensor& t) {
  mix_bytes(h, name.data(), name.size());
  for (int64_t d : t.sizes()) mix(h, static_cast<uint64_t>(d));
  const torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  mix_bytes(h, c.data_ptr(), static_cast<size_t>(c.numel()) * c.element_size());
}

int64_t tightest(int64_t a, int64_t b) { return a > 0 && b > 0 ? std::min(a, b) : std::max(a, b); }

}  // namespace

uint64_t model_fingerprint(Seq2SeqImpl& model) {
  uint64_t h = 1469598103934665603ULL;
  const std::string arch = model.arch();
  mix_bytes(h, arch.data(), arch.size());
  for (const auto& p : model.named_parameters()) mix_tensor(h, p.key(), p.value());
  for (const auto& b : model.named_buffers()) mix_tensor(h, b.key(), b.value());
  return h;
}

EnsembleImpl::EnsembleImpl(std::vector<Seq2Seq> members, std::vector<double> weights) {
  if (members.empty()) throw UsageError("an ensemble needs at least one model");
  for (const auto& m : members)
    if (!m) throw UsageError("ensemble: a member model is missing");
  if (weights.empty()) weights.assign(members.size(), 1.0);
  if (weights.size() != members.size())
    throw UsageError("ensemble: " + std::to_string(weights.size()) + " weight(s) for " +
                     std::to_string(members.size()) + " model(s): give one weight per -m");
  for (double w : weights)
    if (!(w > 0) || !std::isfinite(w))
      throw UsageError("ensemble: weights must be positive numbers, got " + std::to_string(w));
  for (size_t i = 1; i < members.size(); ++i)
    if (members[i]->target_vocab() != members[0]->target_vocab())
      throw UsageError("ensemble members must share the target vocabulary: model 1 (" + members[0]->title() +
                       ") has " + std::to_string(members[0]->target_vocab()) + " target tokens, model " +
                       std::to_string(i + 1) + " (" + members[i]->title() + ") has " +
                       std::to_string(members[i]->target_vocab()));
  // Canonical order: by fingerprint, then weight (then the given position, for equal members).
  std::vector<std::tuple<uint64_t, double, size_t>> order;
  for (size_t i = 0; i < members.size(); ++i) order.emplace_back(model_fingerprint(*members[i]), weights[i], i);
  std::sort(order.begin(), order.end());
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  for (const auto& [fp, w, i] : order) {
    members_.push_back(members[i]);
    weights_.push_back(w / total);
    register_module("member" + std::to_string(members_.size() - 1), members[i]);
  }
  for (size_t i = 0; i < members_.size() && attention_member_ < 0; ++i)
    if (members_[i]->attention_views().layers > 0) attention_member_ = static_cast<int64_t>(i);
}

EncoderOut EnsembleImpl::encode(const torch::Tensor& src, const torch::Tensor& src_mask) {
  EncoderOut out;
  out.src_mask = src_mask;
  for (size_t i = 0; i < members_.size(); ++i) {
    EncoderOut e = members_[i]->encode(src, src_mask);
    if (i == 0) out.memory = e.memory;  // the device and batch size, for search
    if (e.memory.defined()) out.extra[prefix(i) + "memory"] = std::move(e.memory);
    if (e.src_mask.defined()) out.extra[prefix(i) + "src_mask"] = std::move(e.src_mask);
    put(out.extra, prefix(i), std::move(e.extra));
  }
  return out;
}

DecoderState EnsembleImpl::start(const EncoderOut& enc) {
  DecoderState state;
  for (size_t i = 0; i < members_.size(); ++i) {
    EncoderOut e;
    e.extra = view(enc.extra, prefix(i));
    auto pop = [&e](const std::string& key, torch::Tensor& field) {
      if (auto it = e.extra.find(key); it != e.extra.end()) {
        field = it->second;
        e.extra.erase(it);
      }
    };
    pop("memory", e.memory);
    pop("src_mask", e.src_mask);
    if (!e.src_mask.defined()) e.src_mask = enc.src_mask;
    DecoderState s = members_[i]->start(e);
    put(state.per_hyp, prefix(i), std::move(s.per_hyp));
    put(state.per_src, prefix(i), std::move(s.per_src));
    put(state.shared, prefix(i), std::move(s.shared));
  }
  return state;
}

StepOut EnsembleImpl::step(const torch::Tensor& prev, DecoderState& state, bool want_attention) {
  TORCH_CHECK(prev.dim() == 1 && prev.size(0) == state.size(), "ensemble step: prev must be [N] with N = ",
              state.size(), ", got ", prev.sizes());
  StepOut out;
  for (size_t i = 0; i < members_.size(); ++i) {
    DecoderState s;
    s.per_hyp = take(state.per_hyp, prefix(i));
    s.per_src = take(state.per_src, prefix(i));
    s.shared = take(state.shared, prefix(i));
    s.step = state.step;
    StepOut o = members_[i]->step(prev, s, want_attention && static_cast<int64_t>(i) == attention_member_);
    put(state.per_hyp, prefix(i), std::move(s.per_hyp));
    put(state.per_src, prefix(i), std::move(s.per_src));
    put(state.shared, prefix(i), std::move(s.shared));
    if (o.attention.defined()) out.attention = o.attention;
    if (members_.size() == 1) {  // one member: its own scores, bit for bit
      out.logits = o.logits;
      continue;
    }
    torch::Tensor term = torch::log_softmax(o.logits.to(torch::kFloat), -1).mul_(weights_[i]);  // [N, V]
    out.logits = i == 0 ? term : out.logits.add_(term);
  }
  state.step += 1;
  return out;
}

torch::Tensor EnsembleImpl::forward(const torch::Tensor& src, const torch::Tensor& src_mask,
                                    const torch::Tensor& tgt_in) {
  if (members_.size() == 1) return members_[0]->forward(src, src_mask, tgt_in);
  torch::Tensor sum;
  for (size_t i = 0; i < members_.size(); ++i) {
    torch::Tensor term =
        torch::log_softmax(members_[i]->forward(src, src_mask, tgt_in).to(torch::kFloat), -1) * weights_[i];  // [B, T, V]
    sum = i == 0 ? term : sum + term;
  }
  return sum;
}

std::string EnsembleImpl::title() const {
  std::string s = "ensemble of " + std::to_string(members_.size()) + ": ";
  for (size_t i = 0; i < members_.size(); ++i) {
    char w[32];
    std::snprintf(w, sizeof w, "%.3g", weights_[i]);
    s += (i ? " + " : "") + members_[i]->title() + " (weight " + w + ")";
  }
  return s;
}

int64_t EnsembleImpl::max_source_positions() const {
  int64_t limit = 0;
  for (const auto& m : members_) limit = tightest(limit, m->max_source_positions());
  return limit;
}

int64_t EnsembleImpl::max_target_positions() const {
  int64_t limit = 0;
  for (const auto& m : members_) limit = tightest(limit, m->max_target_positions());
  return limit;
}

AttentionViews EnsembleImpl::attention_views() const {
  if (attention_member_ < 0) return {};
  AttentionViews v = members_[attention_member_]->attention_views();
  if (members_.size() > 1) v.name += " (ensemble member " + std::to_string(attention_member_ + 1) + ")";
  return v;
}

void EnsembleImpl::set_attention_view(int64_t layer, int64_t head) {
  Seq2SeqImpl::set_attention_view(layer, head);  // range checks against attention_views()
  if (attention_member_ >= 0) members_[attention_member_]->set_attention_view(layer, head);
}

ModelTrace EnsembleImpl::trace(const torch::Tensor& src, const torch::Tensor& src_mask, const torch::Tensor& tgt_in) {
  const size_t shown = attention_member_ >= 0 ? static_cast<size_t>(attention_member_) : 0;
  ModelTrace t = members_[shown]->trace(src, src_mask, tgt_in);
  if (members_.size() == 1) return t;
  t.logits = forward(src, src_mask, tgt_in).squeeze(0);  // [T, V]
  t.notes.insert(t.notes.begin(), "An " + title() + ". The attention shown is member " + std::to_string(shown + 1) +
                                      "'s; the scores are the weighted mean of the members' log-probabilities.");
  return t;
}

}  // namespace nmt
