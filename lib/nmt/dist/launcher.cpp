#include "nmt/dist/launcher.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include "nmt/dist/dist_env.h"
#include "nmt/util/error.h"

extern char** environ;

namespace nmt {
namespace {

// Worker pids for the signal handler (async-signal-safe access only).
constexpr int kMaxWorkers = 1024;
pid_t g_pids[kMaxWorkers];
std::atomic<int> g_npids{0};

extern "C" void forward_signal(int sig) {
  const int n = g_npids.load();
  for (int i = 0; i < n; ++i)
    if (g_pids[i] > 0) ::kill(g_pids[i], sig);
}

struct ForwardSignals {
  struct sigaction old_int {}, old_term {};
  ForwardSignals() {
    struct sigaction sa {};
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
  }
  ~ForwardSignals() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    g_npids = 0;
  }
};

// The environment of worker `e`: ours, with the job's variables replaced.
std::vector<std::string> worker_environment(const DistEnv& e, int threads) {
  std::map<std::string, std::string> env;
  for (char** p = environ; *p != nullptr; ++p) {
    const char* eq = std::strchr(*p, '=');
    if (eq != nullptr) env[std::string(*p, static_cast<size_t>(eq - *p))] = eq + 1;
  }
  for (const auto& [k, v] : dist_env_variables(e)) env[k] = v;
  env[kLaunchedWorkerEnv] = "1";
  if (threads > 0) {
    for (const char* k : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"})
      if (env.find(k) == env.end()) env[k] = std::to_string(threads);
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

pid_t spawn(std::vector<std::string> args, std::vector<std::string> env) {
  auto argv = c_strings(args);
  auto envp = c_strings(env);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw Error(std::string("cannot start a worker process: ") + std::strerror(errno));
  if (pid == 0) {  // only async-signal-safe calls until exec
    ::setpgid(0, 0);  // a terminal's Ctrl-C reaches the launcher only, which forwards it once
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::execve("/proc/self/exe", argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return fmt::format("was killed by signal {} ({})", sig, ::strsignal(sig));
  }
  return "stopped";
}

void check(const LaunchOptions& o) {
  if (o.nproc_per_node < 1 || o.nproc_per_node > kMaxWorkers)
    throw UsageError(fmt::format("--nproc-per-node must be between 1 and {}", kMaxWorkers));
  if (o.nnodes < 1) throw UsageError("--nnodes must be at least 1");
  if (o.node_rank < 0 || o.node_rank >= o.nnodes)
    throw UsageError(fmt::format("--node-rank must be between 0 and --nnodes - 1 ({})", o.nnodes - 1));
  if (o.nnodes > 1 && o.master_port == 0)
    throw UsageError("--nnodes > 1 needs --master-port (and --master-addr: the address of node 0)");
  if (o.master_port < 0 || o.master_port > 65535) throw UsageError("--master-port must be between 0 and 65535");
  if (o.args.empty()) throw UsageError("launch_workers: no command");
}

}  // namespace

bool is_launched_worker() {
  const char* v = std::getenv(kLaunchedWorkerEnv);
  return v != nullptr && std::string(v) == "1";
}

std::vector<std::string> own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i] == '\0') {
      args.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  if (args.empty()) throw Error("cannot read this process's command line from /proc/self/cmdline");
  return args;
}

void launch_workers(const LaunchOptions& o) {
  check(o);
  // Node 0's launcher hosts the store for the whole job; port 0 picks a free one.
  c10::intrusive_ptr<c10d::TCPStore> store;
  int port = o.master_port;
  if (o.node_rank == 0) {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(o.master_port);
    so.isServer = true;
    so.waitWorkers = false;
    try {
      store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, so);
    } catch (const std::exception& e) {
      throw Error(fmt::format("cannot open the rendezvous store on port {}: {}", o.master_port,
                              std::string(e.what()).substr(0, 300)));
    }
    port = store->getPort();
  }
  const int n = o.nproc_per_node, world = o.nnodes * n;
  spdlog::info("launching {} worker{} (ranks {}..{} of {}), rendezvous at {}:{}", n, n > 1 ? "s" : "",
               o.node_rank * n, o.node_rank * n + n - 1, world, o.master_addr, port);
  ForwardSignals forward;
  std::map<pid_t, int> rank_of;
  for (int i = 0; i < n; ++i) {
    DistEnv e;
    e.rank = o.node_rank * n + i;
    e.world = world;
    e.local_rank = i;
    e.local_world = n;
    e.master_addr = o.master_addr;
    e.master_port = port;
    e.agent_store = true;
    const pid_t pid = spawn(o.args, worker_environment(e, o.threads_per_worker));
    g_pids[i] = pid;
    g_npids = i + 1;
    rank_of[pid] = e.rank;
  }
  std::string failure;
  auto deadline = std::chrono::steady_clock::time_point::max();
  size_t running = rank_of.size();
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno != EINTR) break;
    if (pid <= 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        for (int i = 0; i < n; ++i) if (g_pids[i] > 0) ::kill(g_pids[i], SIGKILL);
        deadline = std::chrono::steady_clock::time_point::max();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    auto it = rank_of.find(pid);
    if (it == rank_of.end()) continue;
    --running;
    for (int i = 0; i < n; ++i) if (g_pids[i] == pid) g_pids[i] = -1;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok || !failure.empty()) continue;
    failure = fmt::format("worker rank {} (pid {}) {}", it->second, pid, describe_status(status));
    spdlog::error("{}; stopping the other workers", failure);
    for (int i = 0; i < n; ++i) if (g_pids[i] > 0) ::kill(g_pids[i], SIGTERM);
    deadline = std::chrono::steady_clock::now() + o.grace;
  }
  if (!failure.empty()) throw Error("data-parallel training failed: " + failure);
}

}  // namespace nmt
