// nmt serve: the HTTP server. Routes:
//   POST /translate       LibreTranslate-compatible (JSON, form or multipart)
//   GET  /languages       LibreTranslate language list
//   POST /v1/translate    native: n-best with scores, subword tokens, attention views
//   GET  /v1/explain      nmt explain's HTML page for one sentence (?text=..&model=..&step=..)
//   GET  /v1/models       what is loaded: architecture, parameters, languages, training, decode
//   GET  /health          {"status": "ok"} (503 "stopping" during shutdown)
//   GET  /metrics         Prometheus text format
//   GET  /                the web page (self-contained: no request leaves this server)
// Errors are {"error": "..."}: 400 bad input, 403 API key, 404 route, 413 body too large,
// 429 queue full, 500 anything else, 503 shutting down.
#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "nmt/serve/batch_queue.h"
#include "nmt/serve/metrics.h"
#include "nmt/serve/models.h"
#include "nmt/serve/request.h"
#include "nmt/serve/responses.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace nmt::serve {

struct ServerOptions {
  QueueOptions queue;
  RequestLimits limits;
  size_t max_body = 2 * 1024 * 1024;  // bytes (--max-body); larger bodies get 413
  int http_threads = 128;             // connections served at once
  std::set<std::string> api_keys;     // empty: no key needed
  // Several models: one decode thread takes batches from every model's queue, oldest first
  // (default), or each model gets its own queue and decode thread (--max-queue then applies
  // per model). On a CPU the threads of the second way compete for the same cores.
  bool decode_thread_per_model = false;
};

// Keys from an --api-keys file: one per line; blank lines and lines starting with # skipped.
// Throws IoError when unreadable, UsageError when it holds no key.
std::set<std::string> read_api_keys(const std::string& path);

class Server {
 public:
  Server(Catalog catalog, ServerOptions options);
  ~Server();

  // Binds host:port (port 0: any free port) and returns the port. Throws IoError.
  int bind(const std::string& host, int port);
  // Serves until stop(); returns once the requests in flight are answered.
  void run();
  // Graceful stop, from any thread: refuse new work, stop listening, finish what is queued.
  // Call it until run() returns (a stop before listening starts is taken up by the next call).
  void stop();

 private:
  void routes();
  void handle_translate(const httplib::Request& req, httplib::Response& res);
  void handle_native(const httplib::Request& req, httplib::Response& res);
  void handle_explain(const httplib::Request& req, httplib::Response& res);
  bool key_ok(const std::string& key, httplib::Response& res) const;
  std::map<std::string, int64_t> queue_depth() const;
  // Queues the texts for `model` and waits; false when the answer was already set (429, 500,
  // 503) or the client left.
  bool decode(size_t model, const std::vector<std::string>& texts, const SearchKey& key, int64_t nbest,
              bool attention, const httplib::Request& req, httplib::Response& res,
              std::vector<TextResult>* out);

  Catalog catalog_;
  ServerOptions opt_;
  Metrics metrics_;
  std::vector<std::unique_ptr<BatchQueue>> queues_;
  std::vector<std::pair<size_t, size_t>> route_;  // model → (queue, its index in that queue)
  std::unique_ptr<httplib::Server> http_;
  std::string page_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stop_sent_{false};
  int port_ = 0;
  int listen_fd_ = -1;  // the listening socket, seen when httplib creates it
};

}  // namespace nmt::serve
