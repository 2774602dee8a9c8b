// Where this process stands in a data-parallel job, read from the environment with the
// variables torchrun (and most launchers) set:
//
//   RANK, WORLD_SIZE              this process's global rank and the number of processes
//   LOCAL_RANK, LOCAL_WORLD_SIZE  its rank on this machine and the processes on this machine
//   MASTER_ADDR, MASTER_PORT      where the rendezvous store (a c10d TCPStore) listens
//
// With WORLD_SIZE unset the process trains alone. Rank 0 hosts the store unless the launcher
// already does (NMT_AGENT_STORE=1, set by `nmt train --nproc-per-node`; torchrun's
// TORCHELASTIC_USE_AGENT_STORE=True is honoured too).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nmt {

struct DistEnv {
  int rank = 0, world = 1;
  int local_rank = 0, local_world = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  bool agent_store = false;  // the store is hosted by the launcher: every rank is a client
};

// The job described by the environment, or nullopt when WORLD_SIZE is unset. Throws
// UsageError naming the variable when one is malformed or inconsistent (RANK >= WORLD_SIZE,
// a missing MASTER_PORT with WORLD_SIZE > 1, ...).
std::optional<DistEnv> dist_env_from_environment();

// The environment variables that describe `e` for a child process (name=value pairs).
std::vector<std::pair<std::string, std::string>> dist_env_variables(const DistEnv& e);

}  // namespace nmt
