// Server metrics in the Prometheus text exposition format (version 0.0.4), thread-safe.
//
//   nmt_requests_total{route,status}            counter
//   nmt_request_duration_seconds{route}          histogram (translate routes)
//   nmt_sentences_total{model}                   counter, sentences decoded
//   nmt_source_tokens_total{model}, nmt_target_tokens_total{model}
//   nmt_batch_sentences, nmt_batch_tokens        histograms, one sample per search call
//   nmt_queue_depth{model}, nmt_queue_capacity   gauges (read when scraped)
//   nmt_requests_rejected_total{reason}          counter (queue_full, ...)
//   nmt_requests_cancelled_total                 counter (client went away while queued)
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace nmt::serve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);
  // The `name_bucket`, `name_sum` and `name_count` lines; `labels` like `route="/translate"`.
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative)
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();
  void request(const std::string& route, int status, double seconds, bool timed);
  void decoded(const std::string& model, int64_t sentences, int64_t src_tokens, int64_t tgt_tokens);
  void batch(int64_t sentences, int64_t padded_tokens);
  void rejected(const std::string& reason);
  void cancelled();
  // Gauges are read from the queue when /metrics is scraped.
  void set_queue_reader(std::function<std::map<std::string, int64_t>()> depth, int64_t capacity);
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, uint64_t> sentences_, src_tokens_, tgt_tokens_, rejected_;
  uint64_t cancelled_ = 0;
  Histogram batch_sentences_, batch_tokens_;
  std::function<std::map<std::string, int64_t>()> queue_depth_;
  int64_t queue_capacity_ = 0;
};

// A label value escaped for the exposition format (backslash, quote, newline).
std::string prometheus_label(const std::string& value);

}  // namespace nmt::serve
