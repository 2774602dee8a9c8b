// Dynamic batching: sentences from concurrent requests wait in a bounded queue, and one
// decode thread takes them in batches, one search() call per batch.
//
//   HTTP threads:  encode → submit(jobs) ──(full: refused at once → 429)
//                  wait on the request's future (or cancel it when the client leaves)
//   decode thread: take the model whose oldest sentence waited longest; wait until that
//                  sentence is --max-wait-ms old or a batch of its kind is full
//                  (--max-batch-tokens padded source tokens); search; fulfil the futures.
//
// A batch only holds sentences with the same search settings (beam, length penalty, length
// limits); n-best lists are cut per sentence afterwards, which does not change search. As
// search is batch-invariant, a sentence gets the same output whatever it is batched with —
// the same as `nmt translate`. Attention views, when asked, come from the model's
// trace() (every layer and head) of the chosen hypothesis alone, on the decode thread.
#pragma once
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nmt/decoding/translator.h"
#include "nmt/serve/metrics.h"
#include "nmt/serve/models.h"

namespace nmt::serve {

using Clock = std::chrono::steady_clock;

struct SentenceResult {
  std::vector<Hypothesis> hyps;  // best first, at most the job's nbest (empty for an empty line)
  torch::Tensor attention;       // [L, H, T, S] float on CPU for the best hypothesis, when asked
};

// One request's sentences in flight. Shared by the HTTP thread (waits, may cancel) and the
// decode thread (fills results).
class PendingRequest {
 public:
  explicit PendingRequest(size_t sentences);
  std::vector<SentenceResult> results;  // read only after wait() says done

  // Blocks up to `timeout`; true once every sentence is done (or failed).
  bool wait_for(std::chrono::milliseconds timeout);
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  std::string error() const;  // non-empty when a batch holding one of its sentences failed

  // Decode-thread side.
  void finish(size_t index, SentenceResult r);
  void fail(const std::string& message);

 private:
  void count_down();
  mutable std::mutex mu_;
  std::string error_;
  std::atomic<size_t> left_;
  std::atomic<bool> cancelled_{false};
  std::promise<void> done_;
  std::shared_future<void> future_;
};

// Settings that change what search() computes; a batch never mixes two.
struct SearchKey {
  int64_t beam_size = 5;
  double length_penalty = 0.6;
  double max_len_ratio = 1.5;
  int64_t max_len_const = 10;
  bool operator==(const SearchKey& o) const {
    return beam_size == o.beam_size && length_penalty == o.length_penalty && max_len_ratio == o.max_len_ratio &&
           max_len_const == o.max_len_const;
  }
  bool operator!=(const SearchKey& o) const { return !(*this == o); }
};

struct Job {
  EncodedSource src;  // not empty
  SearchKey key;
  int64_t nbest = 1;
  bool attention = false;
  std::shared_ptr<PendingRequest> request;
  size_t index = 0;  // the sentence's place in the request
  Clock::time_point enqueued;
};

struct QueueOptions {
  int64_t max_batch_tokens = 6000;  // padded source tokens per batch (sentences × longest)
  int64_t max_wait_ms = 5;          // how long the oldest sentence may wait for company
  int64_t max_queue = 1024;         // sentences waiting, over all models; more → refused
};

class BatchQueue {
 public:
  // `models` outlive the queue. The decode thread starts at once.
  BatchQueue(std::vector<ServedModel*> models, QueueOptions options, Metrics* metrics);
  ~BatchQueue();
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  enum class Admit { ok, full, stopping };
  // All of one request's jobs for model `model`, or none.
  Admit submit(size_t model, std::vector<Job> jobs);
  // Decodes everything already queued, then joins the decode thread. Idempotent.
  void stop();
  std::map<std::string, int64_t> depth() const;  // by model name
  const QueueOptions& options() const { return opt_; }

 private:
  struct Plan {
    std::vector<size_t> take;  // positions in the model's deque
    bool full = false;         // the token cap stopped it
  };
  void run();
  Plan plan_locked(const std::deque<Job>& q) const;
  void drop_cancelled_locked();
  int oldest_locked() const;  // the model whose head waited longest, or -1
  void decode(size_t model, std::vector<Job>& batch);
  void attach_attention(ServedModel& m, const Job& job, SentenceResult& r);

  std::vector<ServedModel*> models_;
  QueueOptions opt_;
  Metrics* metrics_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::deque<Job>> queues_;
  int64_t waiting_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace nmt::serve
