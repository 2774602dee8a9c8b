// Mixed precision on CUDA: autocast (bf16 or fp16) plus dynamic loss scaling for fp16.
// On CPU, train.amp other than "off" is ignored with a warning (fp32 training).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nmt/config/config.h"

namespace nmt {

class Amp {
 public:
  Amp(AmpMode mode, const torch::Device& device);
  bool enabled() const { return enabled_; }
  bool fp16() const { return fp16_; }

  // Autocast on for the lifetime of the region (forward + loss); a no-op when disabled.
  class Region {
   public:
    explicit Region(const Amp& amp);
    ~Region();
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;

   private:
    bool active_;
  };

  // fp16 dynamic loss scaling: multiply the loss by scale() before backward; then
  // unscale_and_check() divides the gradients back and returns false (halving the scale)
  // when any of them is inf/NaN, in which case the step must be skipped.
  double scale() const { return fp16_ ? scale_ : 1.0; }
  bool unscale_and_check(const std::vector<torch::Tensor>& params);
  void good_step();  // doubles the scale after 2000 good steps in a row
  double& scale_ref() { return scale_; }
  int64_t& good_ref() { return good_; }

 private:
  bool enabled_ = false, fp16_ = false;
  torch::ScalarType dtype_ = torch::kFloat32;
  double scale_ = 65536.0;
  int64_t good_ = 0;
};

}  // namespace nmt
