// A data-parallel process group on LibTorch's own distributed engine, c10d: a TCPStore for
// the rendezvous, ProcessGroupGloo on CPU and ProcessGroupNCCL on CUDA (when this LibTorch
// has it). No c10d type appears here, so code that uses it compiles like any other.
//
// Failure handling. Every rank publishes a heartbeat (with the step it is at) to the store
// from a background thread. A collective that fails or times out (train.dist_timeout) throws
// nmt::Error naming the rank that stopped, never joined or fell behind. Work that rank 0 does
// alone (tokenizers, validation, checkpoints) is awaited through the store while rank 0's
// heartbeat goes on, however long it takes; when the heartbeat stops, the wait fails.
#pragma once
#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nmt/config/config.h"
#include "nmt/dist/dist_env.h"

namespace nmt {

struct DistOptions {
  DistBackend backend = DistBackend::Auto;  // auto: NCCL for a CUDA device, Gloo for the CPU
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  torch::Device device{torch::kCPU};        // the training device of this rank
};

// Whether this build can use a backend (decided when nmt was compiled; see CMakeLists.txt).
bool dist_backend_available(DistBackend b);

class Distributed {
 public:
  // Joins the job described by `env`: opens (rank 0) or connects to the store, starts the
  // heartbeat and builds the process group. Throws Error naming the address and the ranks
  // missing when the job cannot be formed within opt.timeout, UsageError for a backend this
  // build or device cannot use.
  static std::unique_ptr<Distributed> join(const DistEnv& env, const DistOptions& opt);
  virtual ~Distributed() = default;

  virtual int rank() const = 0;
  virtual int world() const = 0;
  bool is_main() const { return rank() == 0; }
  virtual const char* backend_name() const = 0;
  // Where the tensors of collectives live: the CPU for Gloo, this rank's GPU for NCCL.
  virtual torch::Device comm_device() const = 0;

  // Blocking collectives; tensors are moved to comm_device() and back as needed. `what`
  // names the operation in errors.
  virtual void allreduce_sum(torch::Tensor& t, const std::string& what) = 0;           // in place
  virtual void broadcast(torch::Tensor& t, const std::string& what) = 0;               // from rank 0
  virtual std::vector<torch::Tensor> allgather(const torch::Tensor& t, const std::string& what) = 0;
  virtual void broadcast_bytes(std::string& bytes, const std::string& what) = 0;       // from rank 0
  virtual void barrier(const std::string& what) = 0;

  // Asynchronous in-place sum (the gradient buckets): the tensor must already be on
  // comm_device() and stay untouched until wait() returns. Calls must come in the same order
  // on every rank.
  class Pending {
   public:
    virtual ~Pending() = default;
  };
  virtual std::shared_ptr<Pending> allreduce_sum_async(torch::Tensor t) = 0;
  virtual void wait(const std::shared_ptr<Pending>& p, const std::string& what) = 0;

  // Work of rank 0 alone: rank 0 calls main_done(payload) when finished; every other rank
  // calls wait_for_main(), which returns the payload. Calls pair up in order.
  virtual void main_done(const std::string& payload) = 0;
  virtual std::string wait_for_main(const std::string& what) = 0;

  // The step this rank is at, published with its heartbeat (errors name laggards by it).
  virtual void set_progress(int64_t step) = 0;

  // Which ranks stopped, never joined or are behind, as a sentence for an error message.
  // Takes a few seconds (it watches the heartbeats).
  virtual std::string diagnose() = 0;
};

}  // namespace nmt
