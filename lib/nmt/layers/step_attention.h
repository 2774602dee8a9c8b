// Attention of one new query per hypothesis: the inner loop of incremental decoding.
//
// At every decoder step each of N hypotheses asks, in each of H heads, one question:
// softmax(q·kᵀ/√d_k)·v over the keys it may see. As batched matrix products this is N·H
// products of a [1, d_k] row with a [d_k, T] matrix, and ATen's CPU bmm runs them as N·H
// separate sgemm calls (a few µs each: milliseconds per layer at beam 5 × 32 sentences).
// These functions make one pass per (hypothesis, head) that reads each key and value once,
// and they read them through indexes instead of copies:
//
//  - self-attention reads a K/V cache `[T_cap, slots, C, H, d_k]` in which position p of
//    hypothesis n lives in slot `slot_of[n, p]`. Beam search moves the small [N, T] index, not
//    the cache: a hypothesis that continues another one shares its ancestors' slots;
//  - cross-attention reads the source's K/V `[B, H, S, d_k]` through `src_row[n]`, so the
//    hypotheses of one sentence share one copy of its source (nothing is copied per beam).
//
// On the CPU in float32 a plain loop does the work; every (hypothesis, head) is computed on
// its own, in the same order whatever the batch holds, so a sentence's result never depends
// on its batch. Elsewhere (CUDA, other dtypes) the same maths runs as ATen ops after a
// gather (the *_reference functions, which the tests also compare the loop with).
//
// These are inference kernels: they apply no attention dropout and the CPU loop builds no
// autograd graph. Only search calls `step` (in eval mode, under NoGradGuard); training goes
// through the teacher-forced `forward`, which has both.
#pragma once
#include <torch/torch.h>

namespace nmt {

struct StepAttentionOut {
  torch::Tensor output;   // [N, H, d_v]  Σ_p w_p v_p per hypothesis and head
  torch::Tensor weights;  // [N, H, K]    softmax weights over the K keys (0 where masked)
};

// Self-attention of position t over positions 0 … t.
//   q:       [N, H, d_k]
//   cache:   [T_cap, slots, C, H, d_k], T_cap > t; keys in channel `channel`, values in
//            `channel + 1` (C = 2 · layers for the Transformer's decoder)
//   slot_of: [N, >= t + 1] int64: slot of each of the N hypotheses' positions 0 … t
// → output [N, H, d_k], weights [N, H, t + 1]
StepAttentionOut cached_self_attention(const torch::Tensor& q, const torch::Tensor& cache, int64_t channel,
                                       const torch::Tensor& slot_of, int64_t t);

// Cross-attention over the source of each hypothesis.
//   q: [N, H, d_k]; k, v: [B, H, S, d_k] (any strides, d_k contiguous); src_row: [N] int64 in
//   [0, B); src_mask: [B, S] bool, true at the keys a query may see (at least one per row)
// → output [N, H, d_k], weights [N, H, S]
StepAttentionOut source_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                  const torch::Tensor& src_row, const torch::Tensor& src_mask);

// The same two computations with ATen ops (gather, then scaled_dot_product_attention): what
// runs off the CPU or outside float32, and the tests' reference.
StepAttentionOut cached_self_attention_reference(const torch::Tensor& q, const torch::Tensor& cache,
                                                 int64_t channel, const torch::Tensor& slot_of, int64_t t);
StepAttentionOut source_attention_reference(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                            const torch::Tensor& src_row, const torch::Tensor& src_mask);

}  // namespace nmt
