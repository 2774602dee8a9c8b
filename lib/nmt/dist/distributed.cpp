// Distributed on c10d. The c10d C++ API used here is the same in LibTorch 1.13 and 2.x:
// TCPStore(host, TCPStoreOptions), PrefixStore, ProcessGroupGloo/NCCL::Options::create(),
// the (store, rank, size, options) constructors, allreduce/broadcast/allgather returning
// intrusive_ptr<c10d::Work>, and Work::wait(). The process groups are held by their concrete
// types (1.13 derives them from c10d::ProcessGroup, 2.x from c10d::Backend), so no base
// class name is needed. Backends are compiled in when CMake found them (NMT_HAVE_GLOO,
// NMT_HAVE_NCCL).
#include "nmt/dist/distributed.h"

#ifdef NMT_HAVE_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef NMT_HAVE_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "nmt/dist/heartbeat.h"
#include "nmt/util/error.h"

namespace nmt {
namespace {

using Ms = std::chrono::milliseconds;
using WorkPtr = c10::intrusive_ptr<c10d::Work>;
using StorePtr = c10::intrusive_ptr<c10d::Store>;

// The collectives we use, over one concrete process group type.
struct Comm {
  virtual ~Comm() = default;
  virtual WorkPtr allreduce(std::vector<at::Tensor>& t) = 0;
  virtual WorkPtr broadcast(std::vector<at::Tensor>& t) = 0;
  virtual WorkPtr allgather(std::vector<std::vector<at::Tensor>>& out, std::vector<at::Tensor>& in) = 0;
};

template <class PG>
struct CommOf : Comm {
  explicit CommOf(c10::intrusive_ptr<PG> p) : pg(std::move(p)) {}
  WorkPtr allreduce(std::vector<at::Tensor>& t) override { return pg->allreduce(t); }
  WorkPtr broadcast(std::vector<at::Tensor>& t) override { return pg->broadcast(t); }
  WorkPtr allgather(std::vector<std::vector<at::Tensor>>& out, std::vector<at::Tensor>& in) override {
    return pg->allgather(out, in);
  }
  c10::intrusive_ptr<PG> pg;
};

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// The first line of an exception's message (c10 errors carry a backtrace after it).
std::string first_line(const std::exception& e) {
  std::string m;
  if (const auto* ce = dynamic_cast<const c10::Error*>(&e)) m = ce->what_without_backtrace();
  else m = e.what();
  auto nl = m.find('\n');
  if (nl != std::string::npos) m.resize(nl);
  return m.size() > 400 ? m.substr(0, 400) + "..." : m;
}

// A store connection under our own key prefix; `port` gets the port actually used (a
// server asked for port 0 takes any free one).
StorePtr open_store(const DistEnv& e, bool server, Ms timeout, int* port = nullptr) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(e.master_port);
  o.isServer = server;
  o.waitWorkers = false;
  o.timeout = timeout;
  auto tcp = c10::make_intrusive<c10d::TCPStore>(e.master_addr, o);
  if (port != nullptr) *port = tcp->getPort();
  return c10::make_intrusive<c10d::PrefixStore>("nmt", tcp);
}

class C10dDistributed : public Distributed {
 public:
  C10dDistributed(const DistEnv& env, const DistOptions& opt, DistBackend backend)
      : env_(env), opt_(opt), backend_(backend) {
    const std::string where = fmt::format("{}:{}", env_.master_addr, env_.master_port);
    const bool host = env_.rank == 0 && !env_.agent_store;
    if (!host && env_.master_port == 0)
      throw UsageError(fmt::format("rank {}: MASTER_PORT=0 (any free port) only works for rank 0, which opens the "
                                   "store; give the other ranks the port rank 0 reports",
                                   env_.rank));
    try {
      store_ = open_store(env_, host, opt_.timeout, &env_.master_port);
      if (host)
        spdlog::info("rank 0: rendezvous store listening on {}:{} for {} ranks", env_.master_addr, env_.master_port,
                     env_.world);
      beat_store_ = open_store(env_, false, opt_.timeout);
    } catch (const std::exception& e) {
      throw Error(fmt::format("rank {}: cannot reach the rendezvous store at {} within {} s ({}): is {} running, and "
                              "are MASTER_ADDR/MASTER_PORT the same for every rank?",
                              env_.rank, where, opt_.timeout.count() / 1000, first_line(e),
                              env_.agent_store ? "the launcher" : "rank 0"));
    }
    heartbeat_ = std::make_unique<Heartbeat>(beat_store_, env_.rank);
    try {
      make_process_group();
    } catch (const std::exception& e) {
      throw Error(fmt::format("rank {}: the {} process group of {} ranks could not be formed: {} ({})", env_.rank,
                              backend_name(), env_.world, diagnose(), first_line(e)));
    }
  }

  int rank() const override { return env_.rank; }
  int world() const override { return env_.world; }
  const char* backend_name() const override { return backend_ == DistBackend::NCCL ? "nccl" : "gloo"; }
  torch::Device comm_device() const override {
    return backend_ == DistBackend::NCCL ? opt_.device : torch::Device(torch::kCPU);
  }

  void allreduce_sum(torch::Tensor& t, const std::string& what) override {
    std::vector<at::Tensor> v{on_comm(t)};
    run(what, [&] { return comm_->allreduce(v); });
    if (!v[0].is_same(t)) t.copy_(v[0]);
  }

  void broadcast(torch::Tensor& t, const std::string& what) override {
    std::vector<at::Tensor> v{on_comm(t)};
    run(what, [&] { return comm_->broadcast(v); });
    if (!v[0].is_same(t)) t.copy_(v[0]);
  }

  std::vector<torch::Tensor> allgather(const torch::Tensor& t, const std::string& what) override {
    std::vector<at::Tensor> in{on_comm(t)};
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < env_.world; ++r) out[0].push_back(torch::empty_like(in[0]));
    run(what, [&] { return comm_->allgather(out, in); });
    std::vector<torch::Tensor> res;
    for (auto& x : out[0]) res.push_back(x.to(t.device()));
    return res;
  }

  void broadcast_bytes(std::string& bytes, const std::string& what) override {
    auto n = torch::full({1}, static_cast<int64_t>(bytes.size()), torch::kLong);
    broadcast(n, what + " (size)");
    const int64_t size = n.item<int64_t>();
    auto buf = torch::empty({std::max<int64_t>(size, 1)}, torch::kUInt8);
    if (is_main()) std::copy(bytes.begin(), bytes.end(), buf.data_ptr<uint8_t>());
    broadcast(buf, what);
    if (!is_main()) bytes.assign(reinterpret_cast<const char*>(buf.data_ptr<uint8_t>()), static_cast<size_t>(size));
  }

  void barrier(const std::string& what) override {
    auto one = torch::ones({1}, torch::TensorOptions().device(comm_device()));
    allreduce_sum(one, what);
  }

  struct PendingWork : Pending {
    WorkPtr work;
    at::Tensor tensor;  // kept alive until the collective is done
  };

  std::shared_ptr<Pending> allreduce_sum_async(torch::Tensor t) override {
    TORCH_CHECK(t.device() == comm_device() && t.is_contiguous(),
                "allreduce_sum_async: the tensor must be contiguous on ", comm_device().str());
    auto p = std::make_shared<PendingWork>();
    p->tensor = t;
    std::vector<at::Tensor> v{t};
    try {
      p->work = comm_->allreduce(v);
    } catch (const std::exception& e) {
      fail("gradient all-reduce", e);
    }
    return p;
  }

  void wait(const std::shared_ptr<Pending>& p, const std::string& what) override {
    auto* pw = static_cast<PendingWork*>(p.get());
    try {
      pw->work->wait();
    } catch (const std::exception& e) {
      fail(what, e);
    }
  }

  void main_done(const std::string& payload) override {
    const std::string key = "main/" + std::to_string(main_seq_++);
    try {
      store_->set(key, std::vector<uint8_t>(payload.begin(), payload.end()));
    } catch (const std::exception& e) {
      throw Error(fmt::format("rank 0: cannot reach the rendezvous store: {}", first_line(e)));
    }
  }

  std::string wait_for_main(const std::string& what) override;

  void set_progress(int64_t step) override { heartbeat_->set_progress(step); }

  std::string diagnose() override;

 private:
  void make_process_group();
  at::Tensor on_comm(const torch::Tensor& t) const {
    const auto d = comm_device();
    return (t.device() == d && t.is_contiguous()) ? t : t.to(d).contiguous();
  }
  template <class F>
  void run(const std::string& what, F&& launch) {
    try {
      launch()->wait();
    } catch (const std::exception& e) {
      fail(what, e);
    }
  }
  [[noreturn]] void fail(const std::string& what, const std::exception& e) {
    const std::string cause = first_line(e);
    throw Error(fmt::format("rank {}: {} failed: {} ({})", env_.rank, what, diagnose(), cause));
  }
  std::string store_host() const { return env_.agent_store ? "the launcher" : "rank 0"; }

  DistEnv env_;
  DistOptions opt_;
  DistBackend backend_;
  StorePtr store_, beat_store_;
  std::unique_ptr<Heartbeat> heartbeat_;
  std::unique_ptr<Comm> comm_;
  int64_t main_seq_ = 0;
};

void C10dDistributed::make_process_group() {
  if (backend_ == DistBackend::Gloo) {
#ifdef NMT_HAVE_GLOO
    auto o = c10d::ProcessGroupGloo::Options::create(opt_.timeout);
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"))
      o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    else if (is_loopback(env_.master_addr))
      o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    o->threads = 2;
    comm_ = std::make_unique<CommOf<c10d::ProcessGroupGloo>>(
        c10::make_intrusive<c10d::ProcessGroupGloo>(store_, env_.rank, env_.world, o));
    return;
#endif
  } else {
#ifdef NMT_HAVE_NCCL
    c10::cuda::set_device(opt_.device.index());
    auto o = c10d::ProcessGroupNCCL::Options::create();
    o->timeout = opt_.timeout;
    comm_ = std::make_unique<CommOf<c10d::ProcessGroupNCCL>>(
        c10::make_intrusive<c10d::ProcessGroupNCCL>(store_, env_.rank, env_.world, o));
    // NCCL builds its communicator at the first collective: form it now, where a failure
    // is reported as a failure to join.
    barrier("joining the process group");
    return;
#endif
  }
  throw UsageError(std::string("this nmt was built without the ") + backend_name() + " backend");
}

std::string C10dDistributed::wait_for_main(const std::string& what) {
  const std::string key = "main/" + std::to_string(main_seq_++);
  const auto limit = std::min<Ms>(opt_.timeout, std::chrono::seconds(60));
  auto poll = Ms(5);
  auto last = read_beat(*store_, 0);
  auto last_change = std::chrono::steady_clock::now();
  auto next_look = last_change + std::chrono::seconds(1);
  try {
    while (!store_->check({key})) {
      std::this_thread::sleep_for(poll);
      poll = std::min(poll * 2, Ms(100));
      const auto now = std::chrono::steady_clock::now();
      if (now < next_look) continue;
      next_look = now + std::chrono::seconds(1);
      const auto b = read_beat(*store_, 0);
      if (b.present != last.present || b.beat != last.beat) {
        last = b;
        last_change = now;
      } else if (now - last_change > (last.present ? limit : opt_.timeout)) {
        throw Error(fmt::format(
            "rank {}: rank 0 stopped during {}: {} for {} s", env_.rank, what,
            last.present ? "no heartbeat" : "it never joined",
            std::chrono::duration_cast<std::chrono::seconds>(now - last_change).count()));
      }
    }
    auto v = store_->get(key);
    return std::string(v.begin(), v.end());
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {}: rank 0 stopped during {}: the rendezvous store at {}:{} is gone ({} has "
                            "stopped: {})",
                            env_.rank, what, env_.master_addr, env_.master_port, store_host(), first_line(e)));
  }
}

std::string C10dDistributed::diagnose() {
  try {
    auto before = read_beats(*store_, env_.world);
    std::this_thread::sleep_for(3 * Heartbeat::kInterval);
    auto after = read_beats(*store_, env_.world);
    return describe_beats(before, after, env_.rank);
  } catch (const std::exception& e) {
    return fmt::format("the rendezvous store at {}:{} is gone, so {} has stopped ({})", env_.master_addr,
                       env_.master_port, store_host(), first_line(e));
  }
}

}  // namespace

bool dist_backend_available(DistBackend b) {
  switch (b) {
    case DistBackend::Gloo:
#ifdef NMT_HAVE_GLOO
      return true;
#else
      return false;
#endif
    case DistBackend::NCCL:
#ifdef NMT_HAVE_NCCL
      return true;
#else
      return false;
#endif
    case DistBackend::Auto: return dist_backend_available(DistBackend::Gloo) || dist_backend_available(DistBackend::NCCL);
  }
  return false;
}

std::unique_ptr<Distributed> Distributed::join(const DistEnv& env, const DistOptions& opt) {
  DistBackend b = opt.backend;
  if (b == DistBackend::Auto) {
    b = opt.device.is_cuda() && dist_backend_available(DistBackend::NCCL) ? DistBackend::NCCL : DistBackend::Gloo;
    if (opt.device.is_cuda() && b == DistBackend::Gloo)
      spdlog::warn("this LibTorch has no NCCL: gradients are all-reduced with Gloo through the CPU");
  }
  if (b == DistBackend::NCCL && !opt.device.is_cuda())
    throw UsageError("train.dist_backend: nccl needs a CUDA device (--device cuda); on the CPU use gloo");
  if (!dist_backend_available(b))
    throw UsageError(std::string("train.dist_backend: this nmt was built without ") + enum_name(b) +
                     (b == DistBackend::Gloo ? " (install Debian's libgloo-dev, see scripts/setup.sh, and rebuild)"
                                             : " (it needs a CUDA LibTorch built with NCCL, and nccl.h)"));
  return std::make_unique<C10dDistributed>(env, opt, b);
}

}  // namespace nmt
