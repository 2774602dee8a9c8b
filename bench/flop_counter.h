// Counts the multiply-add work of matrix products while it is alive, from the ops' shapes, by
// observing the dispatcher (ATen RecordFunction): aten::mm, addmm, bmm, baddbmm, mv, addmv and
// the int8 products (quantized::linear_dynamic, aten::_weight_int8pack_mm), 2·M·N·K flops each.
// Only the leaves are counted (aten::linear and aten::matmul call them). Observing slows every
// op down a little, so time a separate pass.
#pragma once
#include <ATen/record_function.h>
#include <torch/torch.h>

#include <atomic>
#include <cstring>

namespace bench {

class FlopCounter {
 public:
  FlopCounter() {
    flops() = 0;
    handle_ = at::addGlobalCallback(at::RecordFunctionCallback(nullptr, &on_end)
                                        .needsInputs(true)
                                        .needsOutputs(true)
                                        .scopes({at::RecordScope::FUNCTION}));
  }
  ~FlopCounter() { at::removeCallback(handle_); }
  FlopCounter(const FlopCounter&) = delete;
  FlopCounter& operator=(const FlopCounter&) = delete;

  double count() const { return static_cast<double>(flops().load()); }

 private:
  static std::atomic<int64_t>& flops() {
    static std::atomic<int64_t> f{0};
    return f;
  }

  static int64_t numel_of(const c10::IValue& v) { return v.isTensor() ? v.toTensor().numel() : 0; }

  // 2 · (output elements) · K, where K is the last dimension of the first matrix operand.
  static void on_end(const at::RecordFunction& fn, at::ObserverContext*) {
    const char* name = fn.name();
    const auto inputs = fn.inputs();
    const auto& outputs = fn.outputs();
    if (outputs.empty() || !outputs[0].isTensor()) return;
    int first = -1;  // index of the first matrix operand
    if (!std::strcmp(name, "aten::mm") || !std::strcmp(name, "aten::bmm") || !std::strcmp(name, "aten::mv") ||
        !std::strcmp(name, "quantized::linear_dynamic") || !std::strcmp(name, "aten::_weight_int8pack_mm"))
      first = 0;
    else if (!std::strcmp(name, "aten::addmm") || !std::strcmp(name, "aten::baddbmm") ||
             !std::strcmp(name, "aten::addmv"))
      first = 1;
    if (first < 0 || static_cast<int>(inputs.size()) <= first || !inputs[first].isTensor()) return;
    const at::Tensor a = inputs[first].toTensor();
    if (a.dim() == 0) return;
    flops() += 2 * numel_of(outputs[0]) * a.size(-1);
  }

  at::CallbackHandle handle_;
};

}  // namespace bench
