// `nmt train --nproc-per-node N`: this process becomes the launcher of N workers on this
// machine, like torchrun. It hosts the rendezvous store (a c10d TCPStore), starts each
// worker as a fresh copy of this program (/proc/self/exe, same arguments) with RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT in its environment,
// forwards SIGINT/SIGTERM to them, and watches them: when one fails, the others get SIGTERM
// and, after a grace period, SIGKILL. A worker dies with the launcher (PR_SET_PDEATHSIG).
#pragma once
#include <chrono>
#include <string>
#include <vector>

namespace nmt {

struct LaunchOptions {
  int nproc_per_node = 1;
  int nnodes = 1, node_rank = 0;          // several machines: one launcher per machine
  std::string master_addr = "127.0.0.1";  // where node 0's launcher hosts the store
  int master_port = 0;                    // 0: any free port (one machine only)
  int threads_per_worker = 0;             // > 0: OMP_NUM_THREADS / OPENBLAS_NUM_THREADS of each worker
  std::chrono::seconds grace{15};         // SIGTERM → SIGKILL delay for the survivors of a failure
  std::vector<std::string> args;          // the workers' argv (args[0] is replaced by /proc/self/exe)
};

// The environment variable a launched worker sees (so that it does not launch again).
constexpr const char* kLaunchedWorkerEnv = "NMT_LAUNCHED_WORKER";
bool is_launched_worker();

// Runs the workers to completion. Returns normally when every worker exited 0; otherwise
// throws Error naming the first rank that failed and how (exit code or signal). UsageError
// for inconsistent options.
void launch_workers(const LaunchOptions& o);

// This process's command line (/proc/self/cmdline).
std::vector<std::string> own_command_line();

}  // namespace nmt
