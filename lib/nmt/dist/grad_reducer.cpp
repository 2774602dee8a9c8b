#include "nmt/dist/grad_reducer.h"

#include <mutex>
#include <unordered_set>

#include "nmt/util/error.h"

namespace nmt {

struct GradReducer::State {
  struct Slot {
    int bucket = 0;
    int64_t offset = 0, numel = 0;
    bool arrived = false;
  };
  struct Bucket {
    torch::Tensor flat;  // [numel] on the communication device
    std::vector<int> members;
    int pending = 0;
    std::shared_ptr<Distributed::Pending> work;
  };

  Distributed* dist = nullptr;
  std::vector<torch::Tensor> params;
  std::vector<Slot> slots;
  std::vector<Bucket> buckets;
  size_t next_launch = 0;
  bool armed = false;
  int64_t overlapped = 0;
  std::mutex mu;

  torch::Tensor view(int i) {
    const Slot& s = slots[static_cast<size_t>(i)];
    return buckets[static_cast<size_t>(s.bucket)].flat.narrow(0, s.offset, s.numel).view(params[static_cast<size_t>(i)].sizes());
  }

  // Buckets start strictly in index order, so every rank issues the same collectives.
  void launch_ready(bool during_backward) {
    while (next_launch < buckets.size() && buckets[next_launch].pending == 0) {
      Bucket& b = buckets[next_launch++];
      b.work = dist->allreduce_sum_async(b.flat);
      if (during_backward) ++overlapped;
    }
  }

  void arrive(int i) {
    Slot& s = slots[static_cast<size_t>(i)];
    s.arrived = true;
    --buckets[static_cast<size_t>(s.bucket)].pending;
  }

  // The hook: the gradient `g` of parameter i is about to be added to .grad.
  void on_grad(int i, const torch::Tensor& g) {
    std::lock_guard<std::mutex> lock(mu);
    if (!armed) return;
    const Slot& s = slots[static_cast<size_t>(i)];
    if (s.arrived)
      throw Error("data-parallel training: parameter " + std::to_string(i) +
                  " received two gradients in one backward pass");
    torch::NoGradGuard no_grad;
    torch::Tensor v = view(i);
    const torch::Tensor& old = params[static_cast<size_t>(i)].grad();
    if (old.defined() && old.device() == v.device() && g.device() == v.device()) {
      at::add_out(v, old, g);
    } else {
      v.copy_(g);
      if (old.defined()) v.add_(old.to(v.device()));
    }
    arrive(i);
    launch_ready(/*during_backward=*/true);
  }
};

GradReducer::GradReducer(Distributed& dist, const std::vector<torch::Tensor>& params, double bucket_mb)
    : s_(std::make_shared<State>()) {
  s_->dist = &dist;
  std::unordered_set<const void*> seen;
  for (const auto& p : params)
    if (seen.insert(p.unsafeGetTensorImpl()).second) s_->params.push_back(p);
  const auto cap = static_cast<int64_t>(bucket_mb * 1024 * 1024);
  const torch::Device dev = dist.comm_device();
  s_->slots.resize(s_->params.size());
  // Reverse order: the last parameters' gradients are computed first.
  std::vector<int> cur;
  int64_t cur_numel = 0, cur_bytes = 0;
  torch::ScalarType cur_type = torch::kFloat;
  auto close = [&] {
    if (cur.empty()) return;
    State::Bucket b;
    b.flat = torch::zeros({cur_numel}, torch::TensorOptions().dtype(cur_type).device(dev));
    b.members = cur;
    b.pending = static_cast<int>(cur.size());
    s_->buckets.push_back(std::move(b));
    cur.clear();
    cur_numel = cur_bytes = 0;
  };
  for (int i = static_cast<int>(s_->params.size()) - 1; i >= 0; --i) {
    const auto& p = s_->params[static_cast<size_t>(i)];
    if (!cur.empty() && (p.scalar_type() != cur_type || cur_bytes >= cap)) close();
    cur_type = p.scalar_type();
    s_->slots[static_cast<size_t>(i)] = {static_cast<int>(s_->buckets.size()), cur_numel, p.numel(), false};
    cur.push_back(i);
    cur_numel += p.numel();
    cur_bytes += p.numel() * static_cast<int64_t>(p.element_size());
  }
  close();
  std::weak_ptr<State> weak = s_;
  for (size_t i = 0; i < s_->params.size(); ++i) {
    const int idx = static_cast<int>(i);
    hook_ids_.push_back(s_->params[i].register_hook([weak, idx](const torch::Tensor& g) {
      if (auto st = weak.lock()) st->on_grad(idx, g);
    }));
  }
}

GradReducer::~GradReducer() {
  for (size_t i = 0; i < hook_ids_.size(); ++i) s_->params[i].remove_hook(hook_ids_[i]);
}

void GradReducer::arm() {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->armed = true;
  s_->overlapped = 0;
}

void GradReducer::finish(torch::Tensor& extra) {
  State& s = *s_;
  std::shared_ptr<Distributed::Pending> extra_work;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    TORCH_CHECK(s.armed, "GradReducer::finish without arm()");
    torch::NoGradGuard no_grad;
    // Parameters without a gradient in the armed pass: what earlier micro-batches left, or 0.
    for (size_t i = 0; i < s.params.size(); ++i) {
      if (s.slots[i].arrived) continue;
      torch::Tensor v = s.view(static_cast<int>(i));
      const torch::Tensor& old = s.params[i].grad();
      if (old.defined()) v.copy_(old);
      else v.zero_();
      s.arrive(static_cast<int>(i));
    }
    s.launch_ready(/*during_backward=*/false);
    s.armed = false;
    extra_work = s.dist->allreduce_sum_async(extra);
  }
  for (auto& b : s.buckets) s.dist->wait(b.work, "the gradient all-reduce");
  s.dist->wait(extra_work, "the step statistics all-reduce");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < s.params.size(); ++i) {
    torch::Tensor v = s.view(static_cast<int>(i));
    auto& p = s.params[i];
    if (p.grad().defined()) p.mutable_grad().copy_(v);
    else p.mutable_grad() = v.to(p.device(), /*non_blocking=*/false, /*copy=*/true);
    s.slots[i].arrived = false;
  }
  for (auto& b : s.buckets) {
    b.pending = static_cast<int>(b.members.size());
    b.work.reset();
  }
  s.next_launch = 0;
}

int64_t GradReducer::bucket_count() const { return static_cast<int64_t>(s_->buckets.size()); }
int64_t GradReducer::overlapped_buckets() const { return s_->overlapped; }

}  // namespace nmt
