#include "nmt/dist/dist_env.h"

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "nmt/util/error.h"

namespace nmt {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

int env_int(const char* name, int fallback, int min_value) {
  const char* v = env(name);
  if (v == nullptr) return fallback;
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  if (end == v || *end != '\0' || x < min_value || x > 1000000)
    throw UsageError(std::string("environment variable ") + name + "=" + v + ": expected an integer >= " +
                     std::to_string(min_value));
  return static_cast<int>(x);
}

bool env_true(const char* name) {
  const char* v = env(name);
  if (v == nullptr) return false;
  std::string s(v);
  return s == "1" || s == "true" || s == "True" || s == "TRUE" || s == "yes";
}

}  // namespace

std::optional<DistEnv> dist_env_from_environment() {
  if (env("WORLD_SIZE") == nullptr) {
    if (env("RANK") != nullptr)
      throw UsageError("environment variable RANK is set but WORLD_SIZE is not; set both (or neither)");
    return std::nullopt;
  }
  DistEnv e;
  e.world = env_int("WORLD_SIZE", 1, 1);
  e.rank = env_int("RANK", -1, 0);
  if (e.rank < 0) throw UsageError("environment variable WORLD_SIZE is set but RANK is not; set both (or neither)");
  if (e.rank >= e.world)
    throw UsageError("environment variable RANK=" + std::to_string(e.rank) + " must be below WORLD_SIZE=" +
                     std::to_string(e.world));
  e.local_rank = env_int("LOCAL_RANK", e.rank, 0);
  e.local_world = env_int("LOCAL_WORLD_SIZE", e.world, 1);
  if (e.local_rank >= e.local_world)
    throw UsageError("environment variable LOCAL_RANK=" + std::to_string(e.local_rank) +
                     " must be below LOCAL_WORLD_SIZE=" + std::to_string(e.local_world));
  if (const char* a = env("MASTER_ADDR")) e.master_addr = a;
  if (e.world > 1 && env("MASTER_PORT") == nullptr)
    throw UsageError("WORLD_SIZE=" + std::to_string(e.world) +
                     " needs MASTER_PORT (and MASTER_ADDR unless every rank runs on this machine): the port of "
                     "the rendezvous store that rank 0 opens");
  e.master_port = env_int("MASTER_PORT", 29500, 0);
  if (e.master_port > 65535) throw UsageError("environment variable MASTER_PORT must be below 65536");
  e.agent_store = env_true("NMT_AGENT_STORE") || env_true("TORCHELASTIC_USE_AGENT_STORE");
  return e;
}

std::vector<std::pair<std::string, std::string>> dist_env_variables(const DistEnv& e) {
  return {{"RANK", std::to_string(e.rank)},
          {"WORLD_SIZE", std::to_string(e.world)},
          {"LOCAL_RANK", std::to_string(e.local_rank)},
          {"LOCAL_WORLD_SIZE", std::to_string(e.local_world)},
          {"MASTER_ADDR", e.master_addr},
          {"MASTER_PORT", std::to_string(e.master_port)},
          {"NMT_AGENT_STORE", e.agent_store ? "1" : "0"}};
}

}  // namespace nmt
