#include "nmt/layers/step_attention.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "nmt/layers/scaled_dot_product.h"

namespace nmt {
namespace {

constexpr int kLanes = 8;

// a·b over n floats in a fixed order: kLanes interleaved partial sums (which the compiler
// keeps in vector registers), then a fixed tree. The order depends on n alone.
inline float dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) acc[j] += a[i + j] * b[i + j];
  float tail = 0;
  for (; i < n; ++i) tail += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

// out += w · v over n floats.
inline void axpy(float* __restrict out, float w, const float* __restrict v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] += w * v[i];
}

// One (hypothesis, head): w_p = softmax_p(q_s·k_p) over the visible positions p < count, where
// q_s = q/√d is already scaled (as attention_scores scales q before the product);
// out = Σ_p w_p v_p. key(p), value(p): pointers to d floats; visible(p): may p be seen.
template <class Key, class Value, class Visible>
void attend_one(const float* q_s, int64_t d, int64_t count, const Key& key, const Value& value,
                const Visible& visible, float* w, float* out) {
  const float ninf = -std::numeric_limits<float>::infinity();
  float max = ninf;
  for (int64_t p = 0; p < count; ++p) {
    w[p] = visible(p) ? dot(q_s, key(p), d) : ninf;
    max = std::max(max, w[p]);
  }
  float sum = 0;
  for (int64_t p = 0; p < count; ++p) {
    w[p] = w[p] == ninf ? 0.0f : std::exp(w[p] - max);
    sum += w[p];
  }
  const float inv = sum > 0 ? 1.0f / sum : 0.0f;
  std::fill(out, out + d, 0.0f);
  for (int64_t p = 0; p < count; ++p) {
    if (w[p] == 0.0f) continue;
    w[p] *= inv;
    axpy(out, w[p], value(p), d);
  }
}

// Runs body(n, h, q_s, w, out) for every (hypothesis, head) pair of q [N, H, d], on the
// intra-op threads when there is enough work (`count` keys each).
template <class Body>
StepAttentionOut for_each_query(const torch::Tensor& q_in, int64_t count, const Body& body) {
  const torch::Tensor q = q_in.contiguous();
  const int64_t N = q.size(0), H = q.size(1), d = q.size(2);
  StepAttentionOut out;
  out.output = torch::empty({N, H, d}, q.options());
  out.weights = torch::empty({N, H, count}, q.options());
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  const float* qp = q.data_ptr<float>();
  float* op = out.output.data_ptr<float>();
  float* wp = out.weights.data_ptr<float>();
  const int64_t work = std::max<int64_t>(1, 2 * count * d);
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / work);  // ~32k multiply-adds a task
  at::parallel_for(0, N * H, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> q_s(static_cast<size_t>(d));
    for (int64_t i = begin; i < end; ++i) {
      for (int64_t j = 0; j < d; ++j) q_s[j] = qp[i * d + j] * scale;
      body(i / H, i % H, q_s.data(), wp + i * count, op + i * d);
    }
  });
  return out;
}

bool kernel_applies(std::initializer_list<const torch::Tensor*> tensors) {
  for (const auto* t : tensors)
    if (!t->device().is_cpu()) return false;
  return (*tensors.begin())->scalar_type() == torch::kFloat;
}

void check_self_inputs(const torch::Tensor& q, const torch::Tensor& cache, int64_t channel,
                       const torch::Tensor& slot_of, int64_t t) {
  TORCH_CHECK(q.dim() == 3, "self-attention step: q must be [N, H, d_k], got ", q.sizes());
  TORCH_CHECK(cache.dim() == 5 && cache.size(3) == q.size(1) && cache.size(4) == q.size(2) && cache.size(0) > t,
              "self-attention step: cache must be [T_cap > ", t, ", slots, C, ", q.size(1), ", ", q.size(2),
              "], got ", cache.sizes());
  TORCH_CHECK(channel >= 0 && channel + 1 < cache.size(2), "self-attention step: channel ", channel,
              " (and its values) outside the cache's ", cache.size(2), " channels");
  TORCH_CHECK(cache.scalar_type() == q.scalar_type(), "self-attention step: cache and q dtypes differ");
  TORCH_CHECK(slot_of.dim() == 2 && slot_of.size(0) == q.size(0) && slot_of.size(1) > t &&
                  slot_of.scalar_type() == torch::kLong,
              "self-attention step: slot_of must be [", q.size(0), ", > ", t, "] int64, got ", slot_of.sizes(), " ",
              slot_of.scalar_type());
}

void check_source_inputs(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                         const torch::Tensor& src_row, const torch::Tensor& src_mask) {
  TORCH_CHECK(q.dim() == 3, "source attention step: q must be [N, H, d_k], got ", q.sizes());
  TORCH_CHECK(k.dim() == 4 && k.size(1) == q.size(1) && k.size(3) == q.size(2) && v.sizes() == k.sizes(),
              "source attention step: k and v must be [B, ", q.size(1), ", S, ", q.size(2), "], got ", k.sizes(),
              " and ", v.sizes());
  TORCH_CHECK(k.scalar_type() == q.scalar_type() && v.scalar_type() == q.scalar_type(),
              "source attention step: q, k and v dtypes differ");
  TORCH_CHECK(src_row.dim() == 1 && src_row.size(0) == q.size(0) && src_row.scalar_type() == torch::kLong,
              "source attention step: src_row must be [", q.size(0), "] int64, got ", src_row.sizes());
  TORCH_CHECK(src_mask.dim() == 2 && src_mask.size(0) == k.size(0) && src_mask.size(1) == k.size(2) &&
                  src_mask.scalar_type() == torch::kBool,
              "source attention step: src_mask must be [", k.size(0), ", ", k.size(2), "] bool, got ",
              src_mask.sizes());
}

}  // namespace

StepAttentionOut cached_self_attention(const torch::Tensor& q, const torch::Tensor& cache_in, int64_t channel,
                                       const torch::Tensor& slot_of_in, int64_t t) {
  check_self_inputs(q, cache_in, channel, slot_of_in, t);
  if (!kernel_applies({&q, &cache_in, &slot_of_in})) return cached_self_attention_reference(q, cache_in, channel, slot_of_in, t);
  const torch::Tensor cache = cache_in.stride(4) == 1 ? cache_in : cache_in.contiguous();
  const torch::Tensor slot_of = slot_of_in.contiguous();
  const int64_t count = t + 1, d = q.size(2), slots = cache.size(1), row_stride = slot_of.size(1);
  const int64_t sT = cache.stride(0), sS = cache.stride(1), sC = cache.stride(2), sH = cache.stride(3);
  const float* base = cache.data_ptr<float>() + channel * sC;
  const int64_t* slot = slot_of.data_ptr<int64_t>();
  for (int64_t i = 0; i < slot_of.numel(); i += row_stride)  // every slot read must exist
    for (int64_t p = 0; p < count; ++p)
      TORCH_CHECK(slot[i + p] >= 0 && slot[i + p] < slots, "self-attention step: slot ", slot[i + p],
                  " outside the cache's ", slots);
  return for_each_query(q, count, [&](int64_t n, int64_t h, const float* q_s, float* w, float* out) {
    const int64_t* my = slot + n * row_stride;
    const float* head = base + h * sH;
    auto key = [&](int64_t p) { return head + p * sT + my[p] * sS; };
    auto value = [&](int64_t p) { return head + p * sT + my[p] * sS + sC; };
    attend_one(q_s, d, count, key, value, [](int64_t) { return true; }, w, out);
  });
}

StepAttentionOut source_attention(const torch::Tensor& q, const torch::Tensor& k_in, const torch::Tensor& v_in,
                                  const torch::Tensor& src_row_in, const torch::Tensor& src_mask_in) {
  check_source_inputs(q, k_in, v_in, src_row_in, src_mask_in);
  if (!kernel_applies({&q, &k_in, &v_in, &src_row_in, &src_mask_in}))
    return source_attention_reference(q, k_in, v_in, src_row_in, src_mask_in);
  const torch::Tensor k = k_in.stride(3) == 1 ? k_in : k_in.contiguous();
  const torch::Tensor v = v_in.stride(3) == 1 ? v_in : v_in.contiguous();
  const torch::Tensor src_row = src_row_in.contiguous(), mask = src_mask_in.contiguous();
  const int64_t B = k.size(0), S = k.size(2), d = q.size(2);
  const int64_t* row = src_row.data_ptr<int64_t>();
  for (int64_t n = 0; n < src_row.size(0); ++n)
    TORCH_CHECK(row[n] >= 0 && row[n] < B, "source attention step: src_row ", row[n], " outside the ", B, " sources");
  const float* kp = k.data_ptr<float>();
  const float* vp = v.data_ptr<float>();
  const bool* mp = mask.data_ptr<bool>();
  return for_each_query(q, S, [&](int64_t n, int64_t h, const float* q_s, float* w, float* out) {
    const int64_t b = row[n];
    const float* keys = kp + b * k.stride(0) + h * k.stride(1);
    const float* values = vp + b * v.stride(0) + h * v.stride(1);
    const bool* visible = mp + b * S;
    attend_one(
        q_s, d, S, [&](int64_t p) { return keys + p * k.stride(2); }, [&](int64_t p) { return values + p * v.stride(2); },
        [&](int64_t p) { return visible[p]; }, w, out);
  });
}

StepAttentionOut cached_self_attention_reference(const torch::Tensor& q, const torch::Tensor& cache, int64_t channel,
                                                 const torch::Tensor& slot_of, int64_t t) {
  check_self_inputs(q, cache, channel, slot_of, t);
  const int64_t T = t + 1, N = q.size(0), H = q.size(1), d = q.size(2), slots = cache.size(1);
  const torch::Tensor pos = torch::arange(T, slot_of.options());  // [T]
  const torch::Tensor flat = (pos.unsqueeze(0) * slots + slot_of.narrow(1, 0, T)).reshape({-1});  // [N·T]
  auto gather = [&](int64_t c) {  // [N, H, T, d]
    return cache.narrow(0, 0, T).select(2, c).reshape({T * slots, H, d}).index_select(0, flat).view({N, T, H, d}).permute(
        {0, 2, 1, 3});
  };
  AttentionOut r = scaled_dot_product_attention(q.unsqueeze(2), gather(channel), gather(channel + 1));
  return {r.output.squeeze(2), r.weights.squeeze(2)};
}

StepAttentionOut source_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                            const torch::Tensor& src_row, const torch::Tensor& src_mask) {
  check_source_inputs(q, k, v, src_row, src_mask);
  const torch::Tensor idx = src_row.to(k.device());
  const torch::Tensor mask = src_mask.index_select(0, idx).unsqueeze(1).unsqueeze(2);  // [N, 1, 1, S]
  AttentionOut r = scaled_dot_product_attention(q.unsqueeze(2), k.index_select(0, idx), v.index_select(0, idx), mask);
  return {r.output.squeeze(2), r.weights.squeeze(2)};
}

}  // namespace nmt
