// The bounded queue and its decode thread: one search() call per dynamic batch.
#include "nmt/serve/batch_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "nmt/data/vocab.h"

namespace nmt::serve {

// ---- PendingRequest ----------------------------------------------------------------------

PendingRequest::PendingRequest(size_t sentences)
    : results(sentences), left_(sentences), future_(done_.get_future().share()) {
  if (sentences == 0) done_.set_value();
}

bool PendingRequest::wait_for(std::chrono::milliseconds timeout) {
  return future_.wait_for(timeout) == std::future_status::ready;
}

std::string PendingRequest::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

void PendingRequest::finish(size_t index, SentenceResult r) {
  results.at(index) = std::move(r);
  count_down();
}

void PendingRequest::fail(const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty()) error_ = message;
  }
  count_down();
}

void PendingRequest::count_down() {
  if (left_.fetch_sub(1) == 1) done_.set_value();  // the promise publishes results to the waiter
}

// ---- BatchQueue ----------------------------------------------------------------------------

BatchQueue::BatchQueue(std::vector<ServedModel*> models, QueueOptions options, Metrics* metrics)
    : models_(std::move(models)), opt_(options), metrics_(metrics), queues_(models_.size()) {
  thread_ = std::thread([this] { run(); });
}

BatchQueue::~BatchQueue() { stop(); }

BatchQueue::Admit BatchQueue::submit(size_t model, std::vector<Job> jobs) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Admit::stopping;
    if (waiting_ + static_cast<int64_t>(jobs.size()) > opt_.max_queue) return Admit::full;
    const auto now = Clock::now();
    for (auto& j : jobs) {
      j.enqueued = now;
      queues_.at(model).push_back(std::move(j));
    }
    waiting_ += static_cast<int64_t>(jobs.size());
  }
  cv_.notify_one();
  return Admit::ok;
}

void BatchQueue::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::map<std::string, int64_t> BatchQueue::depth() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, int64_t> d;
  for (size_t m = 0; m < models_.size(); ++m) d[models_[m]->name] = static_cast<int64_t>(queues_[m].size());
  return d;
}

BatchQueue::Plan BatchQueue::plan_locked(const std::deque<Job>& q) const {
  // First come, first served among the head's search settings, while sentences × longest
  // stays within the cap (the first sentence always goes, however long).
  Plan p;
  const SearchKey& key = q.front().key;
  size_t longest = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    if (q[i].key != key) continue;
    const size_t len = std::max(longest, q[i].src.ids.size());
    if (!p.take.empty() && static_cast<int64_t>(len * (p.take.size() + 1)) > opt_.max_batch_tokens) {
      p.full = true;
      break;
    }
    longest = len;
    p.take.push_back(i);
  }
  if (static_cast<int64_t>(longest * p.take.size()) >= opt_.max_batch_tokens) p.full = true;
  return p;
}

void BatchQueue::drop_cancelled_locked() {
  for (auto& q : queues_) {
    const auto before = q.size();
    q.erase(std::remove_if(q.begin(), q.end(), [](const Job& j) { return j.request->cancelled(); }), q.end());
    waiting_ -= static_cast<int64_t>(before - q.size());
  }
}

int BatchQueue::oldest_locked() const {
  int best = -1;
  for (size_t m = 0; m < queues_.size(); ++m)
    if (!queues_[m].empty() && (best < 0 || queues_[m].front().enqueued < queues_[best].front().enqueued))
      best = static_cast<int>(m);
  return best;
}

void BatchQueue::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    drop_cancelled_locked();
    const int m = oldest_locked();
    if (m < 0) {
      if (stopping_) break;
      cv_.wait(lock);
      continue;
    }
    std::deque<Job>& q = queues_[m];
    Plan plan = plan_locked(q);
    const auto deadline = q.front().enqueued + std::chrono::milliseconds(opt_.max_wait_ms);
    if (!stopping_ && !plan.full && Clock::now() < deadline) {
      cv_.wait_until(lock, deadline);  // more sentences may come to share the batch
      continue;
    }
    std::vector<Job> batch;
    for (size_t i : plan.take) batch.push_back(std::move(q[i]));
    for (auto it = plan.take.rbegin(); it != plan.take.rend(); ++it) q.erase(q.begin() + static_cast<long>(*it));
    waiting_ -= static_cast<int64_t>(batch.size());
    lock.unlock();
    decode(static_cast<size_t>(m), batch);
    lock.lock();
  }
}

void BatchQueue::attach_attention(ServedModel& m, const Job& job, SentenceResult& r) {
  if (!job.attention || r.hyps.empty() || m.attention.layers == 0) return;
  const Translator& tr = *m.translator;
  const auto& ids = job.src.ids;
  torch::Tensor src = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()), torch::kLong).unsqueeze(0);  // [1, S]
  std::vector<int64_t> in{kBosId};
  in.insert(in.end(), r.hyps.front().tokens.begin(), r.hyps.front().tokens.end());
  torch::Tensor tgt_in = torch::tensor(in, torch::kLong).unsqueeze(0);  // [1, T]
  torch::NoGradGuard no_grad;
  const ModelTrace trace = tr.model()->trace(src.to(tr.device()), src.ne(kPadId).to(tr.device()), tgt_in.to(tr.device()));
  // The source attention of every layer and head (the traces whose keys are source positions).
  std::vector<torch::Tensor> views(static_cast<size_t>(m.attention.layers * m.attention.heads));
  for (const AttentionTrace& a : trace.attention) {
    if (!a.keys_are_source || a.layer >= m.attention.layers || a.head >= m.attention.heads) continue;
    views[static_cast<size_t>(a.layer * m.attention.heads + a.head)] = a.weights;  // [T, S]
  }
  for (const auto& v : views)
    TORCH_CHECK(v.defined(), m.arch, ": trace() lacks a source-attention view that attention_views() reports");
  r.attention = torch::stack(views)
                    .view({m.attention.layers, m.attention.heads, tgt_in.size(1), src.size(1)})
                    .to(torch::kCPU, torch::kFloat)
                    .contiguous();  // [L, H, T, S]
}

void BatchQueue::decode(size_t model, std::vector<Job>& batch) {
  // Jobs of requests that left while the batch formed are not decoded.
  batch.erase(std::remove_if(batch.begin(), batch.end(), [](const Job& j) { return j.request->cancelled(); }),
              batch.end());
  if (batch.empty()) return;
  ServedModel& m = *models_[model];
  SearchOptions so = m.defaults;
  so.beam_size = batch.front().key.beam_size;
  so.length_penalty = batch.front().key.length_penalty;
  so.max_len_ratio = batch.front().key.max_len_ratio;
  so.max_len_const = batch.front().key.max_len_const;
  so.nbest = 1;
  so.want_attention = false;
  std::vector<const EncodedSource*> srcs;
  int64_t longest = 0, src_tokens = 0, tgt_tokens = 0;
  for (const auto& j : batch) {
    srcs.push_back(&j.src);
    so.nbest = std::max(so.nbest, std::min(j.nbest, so.beam_size));
    longest = std::max<int64_t>(longest, static_cast<int64_t>(j.src.ids.size()));
    src_tokens += static_cast<int64_t>(j.src.ids.size());
  }
  std::vector<SentenceResult> results(batch.size());
  try {
    std::lock_guard<std::mutex> running(m.run_mutex);  // nmt explain's endpoint runs the same model
    auto hyps = m.translator->search_batch(srcs, so);
    for (size_t i = 0; i < batch.size(); ++i) {
      SentenceResult& r = results[i];
      r.hyps = std::move(hyps.at(i));
      if (static_cast<int64_t>(r.hyps.size()) > batch[i].nbest) r.hyps.resize(static_cast<size_t>(batch[i].nbest));
      if (!r.hyps.empty()) tgt_tokens += static_cast<int64_t>(r.hyps.front().tokens.size()) + 1;
      attach_attention(m, batch[i], r);
    }
  } catch (const std::exception& e) {
    // The batch fails, not the server: every request in it is answered with the error.
    spdlog::error("decoding a batch of {} sentences for {} failed: {}", batch.size(), m.name, e.what());
    for (auto& j : batch) j.request->fail(std::string("decoding failed: ") + e.what());
    return;
  }
  // Counted before the replies go out: a client that reads /metrics after its answer sees it.
  if (metrics_) {
    metrics_->batch(static_cast<int64_t>(batch.size()), longest * static_cast<int64_t>(batch.size()));
    metrics_->decoded(m.name, static_cast<int64_t>(batch.size()), src_tokens, tgt_tokens);
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].request->finish(batch[i].index, std::move(results[i]));
}

}  // namespace nmt::serve
