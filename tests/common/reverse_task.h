// A synthetic task for the model tests: output the source sequence reversed.
#pragma once
#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "nmt/data/vocab.h"
#include "nmt/models/seq2seq.h"

namespace nmt::test {

struct ReverseTask {
  torch::Tensor src, src_mask;   // [B, S]: x1..xn EOS, padded
  torch::Tensor tgt_in, tgt_out;  // [B, T]: BOS xn..x1 / xn..x1 EOS, padded
  std::vector<std::vector<int64_t>> targets;  // xn..x1
  int64_t vocab = 0;
};

// `count` random sequences of min_len..max_len symbols from a vocabulary of `symbols` words.
inline ReverseTask make_reverse_task(int64_t count, int64_t min_len, int64_t max_len, int64_t symbols) {
  ReverseTask task;
  task.vocab = kNumSpecial + symbols;
  const int64_t width = max_len + 1;
  task.src = torch::full({count, width}, kPadId, torch::kLong);
  task.tgt_in = torch::full({count, width}, kPadId, torch::kLong);
  task.tgt_out = torch::full({count, width}, kPadId, torch::kLong);
  auto lengths = torch::randint(min_len, max_len + 1, {count}, torch::kLong);
  for (int64_t i = 0; i < count; ++i) {
    const int64_t n = lengths[i].item<int64_t>();
    auto seq = torch::randint(kNumSpecial, task.vocab, {n}, torch::kLong);
    auto rev = seq.flip(0);
    task.src[i].narrow(0, 0, n).copy_(seq);
    task.src[i][n] = kEosId;
    task.tgt_in[i][0] = kBosId;
    task.tgt_in[i].narrow(0, 1, n).copy_(rev);
    task.tgt_out[i].narrow(0, 0, n).copy_(rev);
    task.tgt_out[i][n] = kEosId;
    task.targets.emplace_back(rev.data_ptr<int64_t>(), rev.data_ptr<int64_t>() + n);
  }
  task.src_mask = task.src.ne(kPadId);
  return task;
}

struct TrainResult {
  double loss = 0;
  int64_t steps = 0;
};

inline torch::Tensor task_loss(Seq2SeqImpl& model, const ReverseTask& d, const torch::Tensor& rows) {
  auto logits = model.forward(d.src.index_select(0, rows), d.src_mask.index_select(0, rows),
                              d.tgt_in.index_select(0, rows));
  return torch::nn::functional::cross_entropy(
      logits.reshape({-1, logits.size(-1)}), d.tgt_out.index_select(0, rows).reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(kPadId));
}

// Adam on minibatches of `batch` rows (all rows when batch <= 0) until the loss of a
// minibatch drops below target_loss or max_steps is reached.
inline TrainResult train_on(Seq2SeqImpl& model, const ReverseTask& d, double lr, int64_t max_steps,
                            double target_loss, int64_t batch = 0) {
  model.train();
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(lr));
  const int64_t n = d.src.size(0);
  TrainResult r;
  for (r.steps = 1; r.steps <= max_steps; ++r.steps) {
    auto rows = batch > 0 ? torch::randint(0, n, {batch}, torch::kLong) : torch::arange(n, torch::kLong);
    auto loss = task_loss(model, d, rows);
    opt.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model.parameters(), 1.0);
    opt.step();
    r.loss = loss.item<double>();
    if (r.loss < target_loss) break;
  }
  model.eval();
  return r;
}

// Greedy decoding through start/step; returns how many targets come out exactly.
inline int64_t exact_match(Seq2SeqImpl& model, const ReverseTask& d, int64_t batch = 64) {
  torch::NoGradGuard no_grad;
  model.eval();
  const int64_t n = d.src.size(0);
  int64_t correct = 0;
  for (int64_t begin = 0; begin < n; begin += batch) {
    const int64_t b = std::min(batch, n - begin);
    auto state = model.start(model.encode(d.src.narrow(0, begin, b), d.src_mask.narrow(0, begin, b)));
    auto prev = torch::full({b}, kBosId, torch::kLong);
    std::vector<std::vector<int64_t>> out(b);
    std::vector<bool> done(b, false);
    for (int64_t t = 0; t < d.src.size(1) + 2; ++t) {
      prev = model.step(prev, state).logits.argmax(-1);
      for (int64_t i = 0; i < b; ++i) {
        const int64_t tok = prev[i].item<int64_t>();
        if (done[i]) continue;
        if (tok == kEosId) done[i] = true;
        else out[i].push_back(tok);
      }
    }
    for (int64_t i = 0; i < b; ++i) correct += (done[i] && out[i] == d.targets[begin + i]) ? 1 : 0;
  }
  return correct;
}

}  // namespace nmt::test
