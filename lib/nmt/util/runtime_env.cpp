#include "nmt/util/runtime_env.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace nmt {

const char* blas_core_name() {
  using CoreName = char* (*)();
  auto fn = reinterpret_cast<CoreName>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return fn ? fn() : "";
}

namespace {

// OpenBLAS's kernel families for CPUs it could not identify (its generic fallbacks).
bool generic_blas_core(const std::string& core) {
  for (const char* g : {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai",
                        "Coppermine", "Northwood", "Banias"})
    if (strcasecmp(core.c_str(), g) == 0) return true;
  return false;
}

const char* best_core_type() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512cd"))
    return "SKYLAKEX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "HASWELL";
  if (__builtin_cpu_supports("avx")) return "SANDYBRIDGE";
#endif
  return nullptr;
}

}  // namespace

void reexec_with_tuned_environment(char** argv) {
  if (std::getenv("NMT_ENV_TUNED") != nullptr) return;
  bool change = false;
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    ::setenv("OMP_WAIT_POLICY", "passive", 1);
    change = true;
  }
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr && generic_blas_core(blas_core_name())) {
    if (const char* core = best_core_type()) {
      ::setenv("OPENBLAS_CORETYPE", core, 1);
      change = true;
    }
  }
  if (!change) return;
  ::setenv("NMT_ENV_TUNED", "1", 1);
  ::execv("/proc/self/exe", argv);  // only returns on failure: carry on untuned
}

}  // namespace nmt
