#include "nmt/training/amp.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cmath>

#include "nmt/util/error.h"

// LibTorch >= 2.4 takes the device type in the autocast calls; older versions are CUDA-only.
#if defined(TORCH_VERSION_MAJOR) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))
#define NMT_AUTOCAST_DEVICE_API 1
#endif

namespace nmt {

Amp::Amp(AmpMode mode, const torch::Device& device) {
  if (mode == AmpMode::Off) return;
  if (!device.is_cuda()) {
    spdlog::warn("train.amp: {} needs a CUDA device; training in fp32 on {}", enum_name(mode), device.str());
    return;
  }
  enabled_ = true;
  fp16_ = mode == AmpMode::FP16;
  dtype_ = fp16_ ? torch::kFloat16 : torch::kBFloat16;
}

Amp::Region::Region(const Amp& amp) : active_(amp.enabled_) {
  if (!active_) return;
#ifdef NMT_AUTOCAST_DEVICE_API
  at::autocast::set_autocast_dtype(at::kCUDA, amp.dtype_);
  at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
  at::autocast::set_autocast_gpu_dtype(amp.dtype_);
  at::autocast::set_enabled(true);
#endif
}

Amp::Region::~Region() {
  if (!active_) return;
#ifdef NMT_AUTOCAST_DEVICE_API
  at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
  at::autocast::set_enabled(false);
#endif
  at::autocast::clear_cache();
}

bool Amp::unscale_and_check(const std::vector<torch::Tensor>& params) {
  if (!fp16_) return true;
  torch::NoGradGuard no_grad;
  bool finite = true;
  const double inv = 1.0 / scale_;
  for (const auto& p : params) {
    if (!p.grad().defined()) continue;
    p.grad().mul_(inv);
    if (finite && !torch::isfinite(p.grad()).all().item<bool>()) finite = false;
  }
  if (!finite) {
    scale_ = std::max(1.0, scale_ / 2);
    good_ = 0;
  }
  return finite;
}

void Amp::good_step() {
  if (!fp16_) return;
  if (++good_ >= 2000) {
    scale_ = std::min(scale_ * 2, 16777216.0);
    good_ = 0;
  }
}

}  // namespace nmt
