// Prometheus text format for the server's counters, histograms and gauges.
#include "nmt/serve/metrics.h"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>

namespace nmt::serve {
namespace {

const std::vector<double> kLatencyBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
const std::vector<double> kBatchSentenceBuckets{1, 2, 4, 8, 16, 32, 64, 128, 256};
const std::vector<double> kBatchTokenBuckets{16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384};

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void counter_family(std::string& out, const char* name, const char* help, const char* label,
                    const std::map<std::string, uint64_t>& values) {
  header(out, name, "counter", help);
  for (const auto& [k, v] : values) out += fmt::format("{}{{{}=\"{}\"}} {}\n", name, label, prometheus_label(k), v);
}

}  // namespace

std::string prometheus_label(const std::string& value) {
  std::string s;
  for (char c : value) {
    if (c == '\\') s += "\\\\";
    else if (c == '"') s += "\\\"";
    else if (c == '\n') s += "\\n";
    else s += c;
  }
  return s;
}

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1) {}

void Histogram::observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();  // first bound >= v
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const double le = i < bounds_.size() ? bounds_[i] : INFINITY;
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, number(le), cumulative);
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out += fmt::format("{}_sum{} {}\n{}_count{} {}\n", name, braces, number(sum_), name, braces, count_);
}

Metrics::Metrics() : batch_sentences_(kBatchSentenceBuckets), batch_tokens_(kBatchTokenBuckets) {
  rejected_["queue_full"] = 0;  // shown from the start, so alerts can watch it
}

void Metrics::request(const std::string& route, int status, double seconds, bool timed) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, status}];
  if (timed) latency_.try_emplace(route, kLatencyBuckets).first->second.observe(seconds);
}

void Metrics::decoded(const std::string& model, int64_t sentences, int64_t src_tokens, int64_t tgt_tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  sentences_[model] += static_cast<uint64_t>(sentences);
  src_tokens_[model] += static_cast<uint64_t>(src_tokens);
  tgt_tokens_[model] += static_cast<uint64_t>(tgt_tokens);
}

void Metrics::batch(int64_t sentences, int64_t padded_tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  batch_sentences_.observe(static_cast<double>(sentences));
  batch_tokens_.observe(static_cast<double>(padded_tokens));
}

void Metrics::rejected(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++rejected_[reason];
}

void Metrics::cancelled() {
  std::lock_guard<std::mutex> lock(mu_);
  ++cancelled_;
}

void Metrics::set_queue_reader(std::function<std::map<std::string, int64_t>()> depth, int64_t capacity) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_depth_ = std::move(depth);
  queue_capacity_ = capacity;
}

std::string Metrics::render() const {
  std::map<std::string, int64_t> depth;
  std::function<std::map<std::string, int64_t>()> reader;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reader = queue_depth_;
  }
  if (reader) depth = reader();  // outside our lock: the queue takes its own

  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  header(out, "nmt_requests_total", "counter", "HTTP requests answered, by route and status");
  for (const auto& [key, n] : requests_)
    out += fmt::format("nmt_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", prometheus_label(key.first),
                       key.second, n);
  header(out, "nmt_request_duration_seconds", "histogram", "Time from request to answer of the translate routes");
  for (const auto& [route, h] : latency_)
    h.render(out, "nmt_request_duration_seconds", "route=\"" + prometheus_label(route) + "\"");
  counter_family(out, "nmt_sentences_total", "Sentences decoded", "model", sentences_);
  counter_family(out, "nmt_source_tokens_total", "Source tokens decoded (with EOS)", "model", src_tokens_);
  counter_family(out, "nmt_target_tokens_total", "Target tokens generated (with EOS)", "model", tgt_tokens_);
  header(out, "nmt_batch_sentences", "histogram", "Sentences per search call (dynamic batch)");
  batch_sentences_.render(out, "nmt_batch_sentences", "");
  header(out, "nmt_batch_tokens", "histogram", "Padded source tokens per search call (sentences x longest)");
  batch_tokens_.render(out, "nmt_batch_tokens", "");
  header(out, "nmt_queue_depth", "gauge", "Sentences waiting to be decoded");
  for (const auto& [model, n] : depth) out += fmt::format("nmt_queue_depth{{model=\"{}\"}} {}\n", prometheus_label(model), n);
  header(out, "nmt_queue_capacity", "gauge", "Sentences the queue holds before answering 429 (--max-queue)");
  out += fmt::format("nmt_queue_capacity {}\n", queue_capacity_);
  counter_family(out, "nmt_requests_rejected_total", "Requests refused before decoding, by reason", "reason", rejected_);
  header(out, "nmt_requests_cancelled_total", "counter", "Requests dropped because the client disconnected");
  out += fmt::format("nmt_requests_cancelled_total {}\n", cancelled_);
  return out;
}

}  // namespace nmt::serve
