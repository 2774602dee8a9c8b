// Load test of `nmt serve` over loopback: N concurrent clients, each sending requests back to
// back (M sentences each) for a fixed time, for N = 1, 8 and 64 by default. Prints requests/s,
// sentences/s, p50/p95/p99 latency and the server's resident memory (start, end, peak), and
// the reference: `nmt translate` on the same sentences with the same model and threads.
//
//   bench_serve --model DIR [--model DIR2 ...] --src data/bible-es-en/test.es [--clients 1,8,64] [--seconds 30]
//               [--warmup 3] [--per-request 1] [--threads 2] [--no-keep-alive] [--nmt build/bin/nmt]
//               [-- SERVE_ARGS...]
//
// Clients take the sentences of --src in order (a shared cursor, wrapping around), so each
// level translates the same text as the reference. Loopback only: the server binds 127.0.0.1.
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include "nmt/util/json.h"
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::vector<std::string> models;  // --model, repeatable: clients take turns over the models
  std::string src, nmt = "nmt";
  std::vector<int> clients{1, 8, 64};
  double seconds = 30, warmup = 3;
  int per_request = 1, threads = 2;
  bool keep_alive = true;
  std::vector<std::string> serve_args;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> read_sentences(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(slurp(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// VmRSS or VmHWM of a process, in MiB.
double proc_mib(pid_t pid, const char* key) {
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);)
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(std::strlen(key) + 1)) / 1024.0;
  return 0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

// Reference: nmt translate's own throughput line (translation time, model loading excluded).
double reference_sentences_per_s(const Args& a) {
  const std::string log = "/tmp/bench_serve_translate." + std::to_string(::getpid()) + ".log";
  const std::string cmd = "'" + a.nmt + "' --threads " + std::to_string(a.threads) + " translate --batch --log-throughput -m '" +
                          a.models[0] + "' -i '" + a.src + "' -o /dev/null 2>'" + log + "'";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "nmt translate failed:\n%s\n", slurp(log).c_str());
    std::exit(1);
  }
  std::smatch m;
  const std::string text = slurp(log);
  if (!std::regex_search(text, m, std::regex("([0-9.]+) sentences/s"))) {
    std::fprintf(stderr, "no throughput line from nmt translate:\n%s\n", text.c_str());
    std::exit(1);
  }
  return std::stod(m[1]);
}

struct Server {
  pid_t pid = -1;
  int port = 0;
  std::string log;
  std::vector<std::pair<std::string, std::string>> pairs;  // (source, target) per model, from /v1/models
};

Server start_server(const Args& a) {
  Server s;
  s.log = "/tmp/bench_serve." + std::to_string(::getpid()) + ".log";
  std::string cmd = "exec '" + a.nmt + "' --threads " + std::to_string(a.threads) + " serve --host 127.0.0.1 --port 0";
  for (const auto& m : a.models) cmd += " -m '" + m + "'";
  for (const auto& x : a.serve_args) cmd += " '" + x + "'";
  cmd += " >'" + s.log + "' 2>&1";
  s.pid = ::fork();
  if (s.pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const std::regex listening("listening on http://[^:]+:([0-9]+)");
  for (int i = 0; i < 1200; ++i) {
    std::smatch m;
    const std::string text = slurp(s.log);
    if (std::regex_search(text, m, listening)) {
      s.port = std::stoi(m[1]);
      httplib::Client cli("127.0.0.1", s.port);
      auto r = cli.Get("/v1/models");
      if (!r || r->status != 200) break;
      const auto info = nmt::Json::parse(r->body);
      for (const auto& model : info["models"])
        s.pairs.emplace_back(model["source"].get<std::string>(), model["target"].get<std::string>());
      return s;
    }
    if (::waitpid(s.pid, nullptr, WNOHANG) == s.pid) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::fprintf(stderr, "nmt serve did not start:\n%s\n", slurp(s.log).c_str());
  std::exit(1);
}

struct Level {
  int clients = 0;
  double seconds = 0;
  int64_t requests = 0, sentences = 0, errors = 0;
  std::vector<double> latency_ms;
  double rss_start = 0, rss_end = 0, rss_max = 0;
};

// N clients for `seconds`; `measure` false for the warm-up.
Level run_level(const Args& a, const Server& s, const std::vector<std::string>& sents, int n, double seconds,
                std::atomic<size_t>& cursor) {
  Level lv;
  lv.clients = n;
  lv.rss_start = proc_mib(s.pid, "VmRSS:");
  std::atomic<bool> stop{false};
  std::vector<Level> per(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int c = 0; c < n; ++c) {
    threads.emplace_back([&, c] {
      httplib::Client cli("127.0.0.1", s.port);
      cli.set_read_timeout(300, 0);
      cli.set_keep_alive(a.keep_alive);
      cli.set_tcp_nodelay(true);
      Level& me = per[static_cast<size_t>(c)];
      const auto& pair = s.pairs[static_cast<size_t>(c) % s.pairs.size()];
      while (!stop) {
        nmt::Json q = nmt::Json::array();
        for (int k = 0; k < a.per_request; ++k) q.push_back(sents[cursor++ % sents.size()]);
        nmt::Json body{{"q", a.per_request == 1 ? q[0] : q}, {"source", pair.first}, {"target", pair.second}};
        const auto r0 = Clock::now();
        auto r = cli.Post("/translate", body.dump(), "application/json");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - r0).count();
        if (!r || r->status != 200) {
          ++me.errors;
          continue;
        }
        ++me.requests;
        me.sentences += a.per_request;
        me.latency_ms.push_back(ms);
      }
    });
  }
  while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    lv.rss_max = std::max(lv.rss_max, proc_mib(s.pid, "VmRSS:"));
  }
  stop = true;
  for (auto& t : threads) t.join();  // requests in flight finish and count
  lv.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  for (auto& p : per) {
    lv.requests += p.requests;
    lv.sentences += p.sentences;
    lv.errors += p.errors;
    lv.latency_ms.insert(lv.latency_ms.end(), p.latency_ms.begin(), p.latency_ms.end());
  }
  lv.rss_end = proc_mib(s.pid, "VmRSS:");
  lv.rss_max = std::max({lv.rss_max, lv.rss_end, lv.rss_start});
  return lv;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", s.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (s == "--model") a.models.push_back(next());
    else if (s == "--src") a.src = next();
    else if (s == "--nmt") a.nmt = next();
    else if (s == "--seconds") a.seconds = std::stod(next());
    else if (s == "--warmup") a.warmup = std::stod(next());
    else if (s == "--per-request") a.per_request = std::stoi(next());
    else if (s == "--threads") a.threads = std::stoi(next());
    else if (s == "--no-keep-alive") a.keep_alive = false;
    else if (s == "--clients") {
      a.clients.clear();
      std::stringstream ss(next());
      for (std::string x; std::getline(ss, x, ',');) a.clients.push_back(std::stoi(x));
    } else if (s == "--") {
      for (++i; i < argc; ++i) a.serve_args.push_back(argv[i]);
    } else {
      std::fprintf(stderr, "unknown argument %s\n", s.c_str());
      std::exit(2);
    }
  }
  if (a.models.empty() || a.src.empty()) {
    std::fprintf(stderr,
                 "usage: bench_serve --model DIR --src FILE [--clients 1,8,64] [--seconds 30] [--warmup 3] "
                 "[--per-request 1] [--threads 2] [--no-keep-alive] [--nmt PATH] [-- SERVE_ARGS...]\n");
    std::exit(2);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  if (a.nmt == "nmt") {  // default: the nmt next to this binary
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
      std::string dir(self, static_cast<size_t>(n));
      a.nmt = dir.substr(0, dir.rfind('/')) + "/nmt";
    }
  }
  const auto sents = read_sentences(a.src);
  std::string names;
  for (const auto& m : a.models) names += (names.empty() ? "" : " + ") + m;
  std::printf("serve load test: %s, %zu sentences from %s, %d sentence(s)/request, %d threads, %.0f s per level\n",
              names.c_str(), sents.size(), a.src.c_str(), a.per_request, a.threads, a.seconds);
  const double ref = reference_sentences_per_s(a);
  std::printf("reference: nmt translate -m %s: %.2f sentences/s\n\n", a.models[0].c_str(), ref);

  Server s = start_server(a);
  std::printf("%7s %9s %9s %9s %8s %8s %8s %7s %22s %10s\n", "clients", "requests", "req/s", "sent/s", "p50 ms",
              "p95 ms", "p99 ms", "errors", "RSS MiB start/end/max", "vs translate");
  std::atomic<size_t> cursor{0};
  for (int n : a.clients) {
    if (a.warmup > 0) run_level(a, s, sents, n, a.warmup, cursor);
    const Level lv = run_level(a, s, sents, n, a.seconds, cursor);
    const double sps = static_cast<double>(lv.sentences) / lv.seconds;
    std::printf("%7d %9lld %9.2f %9.2f %8.0f %8.0f %8.0f %7lld %8.0f/%5.0f/%6.0f %9.2fx\n", n,
                static_cast<long long>(lv.requests), static_cast<double>(lv.requests) / lv.seconds, sps,
                percentile(lv.latency_ms, 0.50), percentile(lv.latency_ms, 0.95), percentile(lv.latency_ms, 0.99),
                static_cast<long long>(lv.errors), lv.rss_start, lv.rss_end, lv.rss_max, sps / ref);
    std::fflush(stdout);
  }
  const double peak = proc_mib(s.pid, "VmHWM:");
  ::kill(s.pid, SIGTERM);
  int status = 0;
  ::waitpid(s.pid, &status, 0);
  std::printf("\nserver peak RSS (VmHWM) %.0f MiB; exit code after SIGTERM %d\n", peak,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return 0;
}
