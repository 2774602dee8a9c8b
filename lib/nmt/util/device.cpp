#include "nmt/util/device.h"

#include <dlfcn.h>
#include <torch/torch.h>

#include <fstream>
#include <regex>
#include <thread>

#include "nmt/util/error.h"

namespace nmt {

torch::Device resolve_device(const std::string& spec) {
  if (spec == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::Device(torch::kCPU);
  static const std::regex re("cuda(?::([0-9]+))?");
  std::smatch m;
  if (!std::regex_match(spec, m, re))
    throw UsageError("--device: expected auto|cpu|cuda[:N], got \"" + spec + "\"");
  int index = m[1].matched ? std::stoi(m[1].str()) : 0;
  if (!torch::cuda::is_available())
    throw Error("--device " + spec + ": CUDA is not available in this build or on this machine "
                "(this nmt uses a CPU-only LibTorch or no GPU is visible); use --device cpu");
  int n = static_cast<int>(torch::cuda::device_count());
  if (index >= n)
    throw Error("--device " + spec + ": only " + std::to_string(n) + " CUDA device(s) visible");
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int set_threads(int n) {
  if (n <= 0) n = hardware_threads();
  torch::set_num_threads(n);
  // torch sets OpenMP (and MKL) threads only; a pthreads OpenBLAS (Debian's default BLAS for
  // libtorch) keeps one thread per core unless told, so tell it too when it is loaded.
  using SetBlasThreads = void (*)(int);
  if (auto fn = reinterpret_cast<SetBlasThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) fn(n);
  return n;
}

static double status_field_mib(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  std::string k = std::string(key) + ":";
  while (std::getline(f, line)) {
    if (line.rfind(k, 0) == 0) return std::stod(line.substr(k.size())) / 1024.0;  // kB
  }
  return 0.0;
}

double peak_rss_mib() { return status_field_mib("VmHWM"); }
double current_rss_mib() { return status_field_mib("VmRSS"); }

void reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  if (f) f << "5";
}

}  // namespace nmt
