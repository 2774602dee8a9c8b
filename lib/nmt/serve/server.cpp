// The HTTP wiring: routes, API keys, errors as JSON, metrics per request, graceful stop.
#include "nmt/serve/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <fstream>

#include "nmt/decoding/decoding_options.h"
#include "nmt/explain/explain.h"
#include "nmt/serve/connection.h"
#include "nmt/serve/page.h"
#include "nmt/serve/responses.h"
#include "nmt/util/error.h"

namespace nmt::serve {
namespace {

// Set before routing and read by the logger, on the connection's thread. A request httplib
// refuses before routing (e.g. 413) is counted but not timed.
thread_local Clock::time_point t_request_start;
thread_local bool t_routed = false;

const char* const kRoutes[] = {"/",          "/translate", "/languages", "/v1/translate",
                               "/v1/explain", "/v1/models", "/health",    "/metrics"};

void reply(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
  reply(res, status, error_json(message));
}

std::string route_label(const std::string& path) {
  for (const char* r : kRoutes)
    if (path == r) return r;
  return "other";
}

// The default message of an error status httplib (or a handler) left without a body.
std::string default_error(const httplib::Request& req, int status, size_t max_body) {
  switch (status) {
    case 400: return "bad request: the HTTP request could not be parsed";
    case 404: {
      std::string routes;
      for (const char* r : kRoutes) routes += (routes.empty() ? "" : ", ") + std::string(r);
      return "unknown route " + req.method + " " + excerpt(req.path, 80) + "; routes: " + routes;
    }
    case 413: return "request body too large: this server takes at most " + std::to_string(max_body) + " bytes (--max-body)";
    case 414: return "request URI too long";
    case 499: return "client closed the connection";
    default: return "HTTP error " + std::to_string(status);
  }
}

// The problems of decoding options as one line, as validate_decoding_options() names them
// (without the config's "decode." section: here they are request fields).
std::string decoding_problems(const DecodingOptions& o) {
  std::string msg;
  for (const auto& p : check(o)) msg += (msg.empty() ? "" : "; ") + p.key + ": " + p.message;
  return msg;
}

SearchKey key_of(const SearchOptions& so) {
  SearchKey k;
  k.beam_size = so.beam_size;
  k.length_penalty = so.length_penalty;
  k.max_len_ratio = so.max_len_ratio;
  k.max_len_const = so.max_len_const;
  return k;
}

}  // namespace

std::set<std::string> read_api_keys(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError("--api-keys " + path + ": cannot read the file");
  std::set<std::string> keys;
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    keys.insert(line.substr(b, line.find_last_not_of(" \t\r") - b + 1));
  }
  if (keys.empty()) throw UsageError("--api-keys " + path + ": no key in the file (one key per line, # comments)");
  return keys;
}

Server::Server(Catalog catalog, ServerOptions options)
    : catalog_(std::move(catalog)), opt_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  if (opt_.limits.max_sentences > static_cast<size_t>(opt_.queue.max_queue))
    opt_.limits.max_sentences = static_cast<size_t>(opt_.queue.max_queue);
  std::vector<ServedModel*> models;
  for (size_t i = 0; i < catalog_.size(); ++i) models.push_back(&catalog_.at(i));
  // One decode thread for all models (default), or one per model.
  if (opt_.decode_thread_per_model) {
    for (size_t i = 0; i < models.size(); ++i) {
      queues_.push_back(std::make_unique<BatchQueue>(std::vector<ServedModel*>{models[i]}, opt_.queue, &metrics_));
      route_.emplace_back(i, 0);
    }
  } else {
    queues_.push_back(std::make_unique<BatchQueue>(models, opt_.queue, &metrics_));
    for (size_t i = 0; i < models.size(); ++i) route_.emplace_back(0, i);
  }
  metrics_.set_queue_reader([this] { return queue_depth(); }, opt_.queue.max_queue);
  page_ = web_page();
  const int threads = std::max(1, opt_.http_threads);
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http_->set_payload_max_length(opt_.max_body);
  // Requests and answers are small: send them at once (no Nagle/delayed-ACK stalls of ~40 ms
  // between a header and its body). Accepted sockets inherit this from the listening one.
  http_->set_tcp_nodelay(true);
  // httplib's default sets SO_REUSEPORT, which would let a second server share our port
  // silently; SO_REUSEADDR only allows a restart while old connections linger.
  http_->set_socket_options([this](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = sock;
  });
  http_->set_keep_alive_max_count(1000);
  http_->set_default_headers({{"Access-Control-Allow-Origin", "*"}});
  routes();
}

Server::~Server() {
  stop();
  for (auto& q : queues_) q->stop();
}

std::map<std::string, int64_t> Server::queue_depth() const {
  std::map<std::string, int64_t> depth;
  for (const auto& q : queues_)
    for (const auto& [name, n] : q->depth()) depth[name] += n;
  return depth;
}

int Server::bind(const std::string& host, int port) {
  const int bound = port == 0 ? http_->bind_to_any_port(host) : (http_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0)
    throw IoError("cannot listen on " + host + ":" + std::to_string(port) +
                  " (address in use, or not an address of this machine?)");
  // httplib listens with a backlog of 5: a burst of new connections would wait for SYN
  // retransmits (1 s and more). Listening again on the same socket raises the backlog.
  if (listen_fd_ >= 0) ::listen(listen_fd_, SOMAXCONN);
  port_ = bound;
  return bound;
}

void Server::run() {
  if (!stopping_) http_->listen_after_bind();  // returns after stop(), once every handler returned
  for (auto& q : queues_) q->stop();
}

void Server::stop() {
  stopping_ = true;
  // httplib's stop() must run once, while it listens; before that, run() sees stopping_.
  if (http_->is_running() && !stop_sent_.exchange(true)) http_->stop();
}

bool Server::key_ok(const std::string& key, httplib::Response& res) const {
  if (opt_.api_keys.empty() || opt_.api_keys.count(key)) return true;
  reply_error(res, 403, key.empty() ? "this server needs an API key: pass api_key (ask its operator for one)"
                                    : "Invalid API key");
  return false;
}

void Server::routes() {
  auto& s = *http_;
  s.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_request_start = Clock::now();
    t_routed = true;
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double secs = t_routed ? std::chrono::duration<double>(Clock::now() - t_request_start).count() : 0.0;
    const std::string route = route_label(req.path);
    metrics_.request(route, res.status, secs, t_routed && (route == "/translate" || route == "/v1/translate"));
    t_routed = false;
    spdlog::debug("{} {} {} {:.1f} ms", req.method, req.path, res.status, secs * 1e3);
  });
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty()) reply_error(res, res.status, default_error(req, res.status, opt_.max_body));
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("request failed: {}", what);
    reply_error(res, 500, "internal error: " + what);
  });

  s.Get("/", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; connect-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; "
                   "script-src 'unsafe-inline'");
    res.set_content(page_, "text/html; charset=utf-8");
  });
  s.Get("/languages", [this](const httplib::Request&, httplib::Response& res) { reply(res, 200, languages_json(catalog_)); });
  s.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    reply(res, 200, models_json(catalog_, !opt_.api_keys.empty()));
  });
  s.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    int64_t waiting = 0;
    for (const auto& [name, n] : queue_depth()) waiting += n;
    reply(res, stopping_ ? 503 : 200,
          {{"status", stopping_ ? "stopping" : "ok"}, {"models", catalog_.size()}, {"queue_depth", waiting}});
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.Post("/translate", [this](const httplib::Request& req, httplib::Response& res) { handle_translate(req, res); });
  s.Post("/v1/translate", [this](const httplib::Request& req, httplib::Response& res) { handle_native(req, res); });
  s.Get("/v1/explain", [this](const httplib::Request& req, httplib::Response& res) { handle_explain(req, res); });
  for (const char* path : {"/translate", "/v1/translate"})
    s.Get(path, [](const httplib::Request& req, httplib::Response& res) {
      reply_error(res, 405, req.path + " takes POST with a JSON body");
    });
  s.Options(R"(/.*)", [](const httplib::Request&, httplib::Response& res) {  // CORS preflight
    res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Content-Type");
    res.status = 204;
  });
}

void Server::handle_translate(const httplib::Request& req, httplib::Response& res) {
  Parsed<TranslateRequest> parsed;
  if (req.is_multipart_form_data()) {
    std::multimap<std::string, std::string> fields;
    for (const auto& [name, part] : req.files) fields.emplace(name, part.content);
    parsed = translate_request_from_fields(fields, opt_.limits);
  } else {
    parsed = parse_translate_request(req.get_header_value("Content-Type"), req.body, opt_.limits);
  }
  if (auto* e = std::get_if<RequestError>(&parsed)) return reply_error(res, e->status, e->message);
  const TranslateRequest& r = std::get<TranslateRequest>(parsed);
  if (!key_ok(r.api_key, res)) return;
  const Parsed<size_t> model = catalog_.resolve(r.source, r.target);
  if (auto* e = std::get_if<RequestError>(&model)) return reply_error(res, e->status, e->message);
  const ServedModel& m = catalog_.at(std::get<size_t>(model));
  // Alternatives come from the n-best list; the beam widens only when it is too narrow.
  SearchKey key = key_of(m.defaults);
  const int64_t nbest = r.alternatives + 1;
  key.beam_size = std::max(key.beam_size, nbest);
  std::vector<TextResult> texts;
  if (!decode(std::get<size_t>(model), r.texts, key, nbest, false, req, res, &texts)) return;
  std::string source = r.source;
  std::transform(source.begin(), source.end(), source.begin(), [](unsigned char c) { return std::tolower(c); });
  reply(res, 200, libre_translate_json(m, r, texts, source == "auto"));
}

void Server::handle_native(const httplib::Request& req, httplib::Response& res) {
  Parsed<NativeRequest> parsed = parse_native_request(req.get_header_value("Content-Type"), req.body, opt_.limits);
  if (auto* e = std::get_if<RequestError>(&parsed)) return reply_error(res, e->status, e->message);
  const NativeRequest& r = std::get<NativeRequest>(parsed);
  if (!key_ok(r.api_key, res)) return;
  const Parsed<size_t> model = catalog_.resolve_optional(r.source, r.target);
  if (auto* e = std::get_if<RequestError>(&model)) return reply_error(res, e->status, e->message);
  const ServedModel& m = catalog_.at(std::get<size_t>(model));
  // The request's settings over the model's defaults, checked by the rules search() applies.
  DecodingOptions d = m.defaults;
  if (r.beam_size) d.beam_size = *r.beam_size;
  if (r.length_penalty) d.length_penalty = *r.length_penalty;
  d.nbest = r.nbest.value_or(std::min(m.defaults.nbest, d.beam_size));
  if (const std::string problems = decoding_problems(d); !problems.empty()) return reply_error(res, 400, problems);
  SearchKey key = key_of(search_options(d));
  const int64_t nbest = d.nbest;
  std::vector<TextResult> texts;
  if (!decode(std::get<size_t>(model), r.texts, key, nbest, r.attention, req, res, &texts)) return;
  reply(res, 200, native_translate_json(m, texts, r.attention));
}

void Server::handle_explain(const httplib::Request& req, httplib::Response& res) {
  // The query string as a form (httplib's req.params keep '+', which browsers send for spaces).
  const size_t query = req.target.find('?');
  const std::string_view params = query == std::string::npos ? std::string_view() : std::string_view(req.target).substr(query + 1);
  Parsed<ExplainQuery> parsed = parse_explain_query(parse_form(params), opt_.limits);
  if (auto* e = std::get_if<RequestError>(&parsed)) return reply_error(res, e->status, e->message);
  const ExplainQuery& q = std::get<ExplainQuery>(parsed);
  if (!key_ok(q.api_key, res)) return;
  if (stopping_) return reply_error(res, 503, "the server is shutting down");
  const Parsed<size_t> model = catalog_.find(q.model);
  if (auto* e = std::get_if<RequestError>(&model)) return reply_error(res, e->status, e->message);
  ServedModel& m = catalog_.at(std::get<size_t>(model));
  ExplainRequest er;
  er.source = q.text;
  er.step = q.step;
  er.layer = q.layer;
  er.head = q.head;
  std::string page;
  try {
    std::lock_guard<std::mutex> running(m.run_mutex);  // the decode thread runs the same model
    const Explanation e = explain(m.loaded, er, m.translator->device());
    page = explain_html(e, er);
  } catch (const UsageError& e) {  // a step, layer or head the model or sentence does not have
    return reply_error(res, 400, e.what());
  }
  res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
  res.set_content(page, "text/html; charset=utf-8");
}

bool Server::decode(size_t model, const std::vector<std::string>& texts, const SearchKey& key, int64_t nbest,
                    bool attention, const httplib::Request& req, httplib::Response& res, std::vector<TextResult>* out) {
  if (stopping_) {
    reply_error(res, 503, "the server is shutting down");
    return false;
  }
  const Translator& tr = *catalog_.at(model).translator;
  auto pending = std::make_shared<PendingRequest>(texts.size());
  out->assign(texts.size(), TextResult{});
  std::vector<Job> jobs;
  for (size_t i = 0; i < texts.size(); ++i) {
    (*out)[i].src = tr.encode(texts[i]);  // tokenized here, on the HTTP thread
    if ((*out)[i].src.ids.empty()) {
      pending->finish(i, {});  // an empty text translates to an empty text
      continue;
    }
    Job j;
    j.src = (*out)[i].src;
    j.key = key;
    j.nbest = nbest;
    j.attention = attention;
    j.request = pending;
    j.index = i;
    jobs.push_back(std::move(j));
  }
  if (!jobs.empty()) {
    const auto [queue, index] = route_.at(model);
    switch (queues_[queue]->submit(index, std::move(jobs))) {
      case BatchQueue::Admit::ok: break;
      case BatchQueue::Admit::full:
        metrics_.rejected("queue_full");
        res.set_header("Retry-After", "1");
        reply_error(res, 429, "Too many requests: the translation queue is full (" +
                                  std::to_string(opt_.queue.max_queue) + " sentences, --max-queue); try again shortly");
        return false;
      case BatchQueue::Admit::stopping: reply_error(res, 503, "the server is shutting down"); return false;
    }
  }
  // Wait, and drop the request if its client hangs up meanwhile.
  int fd = -2;
  while (!pending->wait_for(std::chrono::milliseconds(20))) {
    if (fd == -2) fd = find_connection_fd(req.local_port, req.remote_addr, req.remote_port);
    if (peer_closed(fd)) {
      pending->cancel();
      metrics_.cancelled();
      spdlog::info("client {}:{} disconnected; its {} sentences are dropped", req.remote_addr, req.remote_port,
                   texts.size());
      res.status = 499;
      return false;
    }
  }
  if (const std::string err = pending->error(); !err.empty()) {
    reply_error(res, 500, err);
    return false;
  }
  for (size_t i = 0; i < texts.size(); ++i) (*out)[i].result = std::move(pending->results[i]);
  return true;
}

}  // namespace nmt::serve
