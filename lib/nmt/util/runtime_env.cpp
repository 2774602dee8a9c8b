#include "nmt/util/runtime_env.h"

#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <climits>
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

void tune_allocator() {
#if defined(__GLIBC__)
  // The user's MALLOC_* settings (read by glibc at start-up) win.
  if (std::getenv("MALLOC_MMAP_MAX_") != nullptr || std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr ||
      std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr)
    return;
  ::mallopt(M_MMAP_MAX, 0);                     // large blocks come from the heap, not fresh mmaps
  ::mallopt(M_TRIM_THRESHOLD, INT_MAX);         // and freed heap memory is kept for reuse
#endif
}

void reexec_with_tuned_environment(char** argv) {
  tune_allocator();
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
