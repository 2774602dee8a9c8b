// `nmt serve`: an HTTP translation server (LibreTranslate-compatible API, a native API with
// n-best and attention, Prometheus metrics and a web page). See lib/nmt/serve/server.h.
//
// SIGTERM or Ctrl-C: stop accepting, answer the requests in flight, exit 0. A second signal
// exits at once.
#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli.h"
#include "nmt/serve/server.h"
#include "nmt/util/error.h"
#include "stop_signals.h"

namespace nmt::cli {
namespace {

struct ServeArgs {
  std::vector<std::string> models;
  std::string weights = "best";
  std::string host = "127.0.0.1";
  int port = 5000;
  std::string source_lang, target_lang;
  std::string api_keys;
  serve::ServerOptions server;
};

void run_serve(const ServeArgs& a, const torch::Device& device) {
  if ((!a.source_lang.empty() || !a.target_lang.empty()) && a.models.size() != 1)
    throw UsageError("--source-lang/--target-lang name the languages of a single model; with several models, "
                     "record each model's languages in its config.yaml (data.src_lang, data.tgt_lang)");
  std::vector<serve::ModelSpec> specs;
  for (const auto& dir : a.models) specs.push_back({dir, a.weights, a.source_lang, a.target_lang});
  serve::ServerOptions opt = a.server;
  if (!a.api_keys.empty()) opt.api_keys = serve::read_api_keys(a.api_keys);
  serve::Catalog catalog(serve::load_served_models(specs, device));
  const std::string pairs = catalog.pairs_text();
  const size_t n_models = catalog.size();
  serve::Server server(std::move(catalog), opt);
  const int port = server.bind(a.host, a.port);

  StopSignals signals;
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server
  std::atomic<bool> done{false};
  std::thread watcher([&] {  // signal handlers may only set a flag; this thread acts on it
    bool logged = false;
    while (!done) {
      const bool stop = StopSignals::flag().load();
      if (stop && !logged) {
        spdlog::info("stopping: finishing the requests in flight");
        logged = true;
      }
      if (stop) server.stop();  // repeated until run() returns (covers a signal before listening)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  spdlog::info("nmt serve: listening on http://{}:{} ({} model{}: {}){}", a.host, port, n_models,
               n_models == 1 ? "" : "s", pairs, opt.api_keys.empty() ? "" : ", API keys required");
  server.run();
  done = true;
  watcher.join();
  spdlog::info("nmt serve: stopped");
}

}  // namespace

void add_serve(CLI::App& app, GlobalOptions& g) {
  auto a = std::make_shared<ServeArgs>();
  auto* sub = app.add_subcommand(
      "serve",
      "HTTP translation server: the LibreTranslate API (POST /translate, GET /languages), a native API "
      "(POST /v1/translate with n-best, scores, tokens and attention; GET /v1/models; GET /v1/explain, "
      "nmt explain's page for a sentence), GET /health, "
      "GET /metrics (Prometheus) and a web page at /. Concurrent requests are decoded together in dynamic "
      "batches; a sentence's translation does not depend on its batch and equals nmt translate's.");
  sub->add_option("-m,--model", a->models,
                  "Model directory; repeat for several models, one per language pair (data.src_lang/tgt_lang "
                  "in its config.yaml)")
      ->required();
  sub->add_option("--checkpoint,--weights", a->weights, "Which weights: best or last")
      ->check(CLI::IsMember({"best", "last"}))->capture_default_str();
  sub->add_option("--host", a->host, "Address to listen on (0.0.0.0: every interface)")->capture_default_str();
  sub->add_option("--port", a->port, "Port to listen on; 0 picks a free one (logged)")
      ->check(CLI::Range(0, 65535))->capture_default_str();
  sub->add_option("--source-lang", a->source_lang, "Source language code of the (single) model, if its config has none");
  sub->add_option("--target-lang", a->target_lang, "Target language code of the (single) model, if its config has none");
  sub->add_option("--api-keys", a->api_keys,
                  "File of API keys, one per line: /translate and /v1/translate then need a listed api_key (else 403)");
  sub->add_option("--max-batch-tokens", a->server.queue.max_batch_tokens,
                  "Cap of a dynamic batch in padded source tokens (sentences x longest)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--max-wait-ms", a->server.queue.max_wait_ms,
                  "How long a sentence may wait for others to share its batch")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  sub->add_option("--max-queue", a->server.queue.max_queue,
                  "Sentences waiting to be decoded, over all models; past it requests get 429 at once")
      ->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--max-body", a->server.max_body, "Largest request body in bytes; larger ones get 413")
      ->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--char-limit", a->server.limits.char_limit, "Characters of text per request; more gets 400")
      ->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--http-threads", a->server.http_threads,
                  "Connections served at once (each waiting request holds one)")
      ->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_flag("--decode-thread-per-model", a->server.decode_thread_per_model,
                "With several models: one decode thread per model instead of one shared thread");
  sub->callback([a, &g] { run_serve(*a, apply_globals(g)); });
}

}  // namespace nmt::cli
