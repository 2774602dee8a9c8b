// Device and thread selection shared by every subcommand.
#pragma once
#include <torch/types.h>
#include <string>

namespace nmt {

// "auto" → cuda:0 when available, else cpu; "cpu"; "cuda" / "cuda:N".
// Throws UsageError for a malformed spec and Error when CUDA is asked for but unavailable.
torch::Device resolve_device(const std::string& spec);

// Sets intra-op threads (torch's and OpenBLAS's); n <= 0 means all cores. Returns the number set.
int set_threads(int n);

// Number of hardware threads (at least 1).
int hardware_threads();

// Peak resident set size of this process in MiB (from /proc/self/status VmHWM).
double peak_rss_mib();
// Current resident set size in MiB (VmRSS).
double current_rss_mib();
// Resets the peak (VmHWM) to the current RSS, so peak_rss_mib() measures from now on.
// Linux only (/proc/self/clear_refs); a no-op where unsupported.
void reset_peak_rss();

}  // namespace nmt
