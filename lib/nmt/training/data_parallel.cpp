#include "nmt/training/data_parallel.h"

#include <unistd.h>

#include <sstream>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "nmt/util/error.h"
#include "nmt/util/file_io.h"

namespace nmt {
namespace fs = std::filesystem;

namespace {

// Files as one string: for each, "<name>\n<size>\n<bytes>".
std::string pack_files(const fs::path& dir, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    const std::string bytes = read_file((dir / n).string());
    out += n + "\n" + std::to_string(bytes.size()) + "\n" + bytes;
  }
  return out;
}

void unpack_files(const std::string& packed, const fs::path& dir) {
  size_t pos = 0;
  while (pos < packed.size()) {
    const size_t a = packed.find('\n', pos), b = packed.find('\n', a + 1);
    if (a == std::string::npos || b == std::string::npos) throw Error("data-parallel: malformed tokenizer files from rank 0");
    const std::string name = packed.substr(pos, a - pos);
    const size_t size = std::stoull(packed.substr(a + 1, b - a - 1));
    write_file_atomic((dir / name).string(), std::string_view(packed).substr(b + 1, size));
    pos = b + 1 + size;
  }
}

torch::Tensor stacked(const std::vector<torch::Tensor>& rows) {
  std::vector<torch::Tensor> cpu;
  for (const auto& r : rows) cpu.push_back(r.cpu());
  return torch::stack(cpu);
}

}  // namespace

const char* stop_request_name(StopRequest r) {
  switch (r) {
    case StopRequest::None: return "";
    case StopRequest::MaxMinutes: return "max_minutes";
    case StopRequest::EarlyStopping: return "early_stopping";
    case StopRequest::Interrupted: return "interrupted";
  }
  return "";
}

void check_world_size(const TrainState& st, int world, const std::string& dir) {
  if (st.world_size == world) return;
  throw UsageError(fmt::format(
      "cannot resume {}: it was trained by {} process{} and this run has {}; resume with the same number of "
      "processes ({}) — the data shards, every rank's random stream and the effective batch depend on it — or "
      "start a new run in another directory",
      dir, st.world_size, st.world_size == 1 ? "" : "es", world,
      st.world_size == 1 ? "a single process, without --nproc-per-node or WORLD_SIZE"
                         : "e.g. --nproc-per-node " + std::to_string(st.world_size)));
}

DataParallel::DataParallel(Distributed& dist, const TrainConfig& tc) : dist_(dist), tc_(tc) {}

DataParallel::~DataParallel() {
  if (scratch_.empty()) return;
  std::error_code ec;
  fs::remove_all(scratch_, ec);
}

Tokenizers DataParallel::tokenizers(const std::string& model_dir, const TokenizerConfig& cfg, const FilePair& train) {
  if (main()) {
    Tokenizers t = prepare_tokenizers(model_dir, cfg, train);
    dist_.main_done(pack_files(model_dir, tokenizer_files(cfg)));
    return t;
  }
  const std::string packed = dist_.wait_for_main("tokenizer preparation");
  scratch_ = fs::temp_directory_path() / fmt::format("nmt-rank{}-{}", rank(), ::getpid());
  fs::create_directories(scratch_);
  unpack_files(packed, scratch_);
  return load_tokenizers(scratch_.string(), cfg);
}

void DataParallel::attach(torch::nn::Module& model, const std::vector<torch::Tensor>& params, bool resuming,
                          int64_t seed) {
  if (!resuming) {  // the same seed built the same weights everywhere; rank 0's win regardless
    torch::NoGradGuard no_grad;
    for (auto t : model.parameters()) dist_.broadcast(t, "the initial weights");
    for (auto t : model.buffers()) dist_.broadcast(t, "the initial buffers");
  }
  torch::manual_seed(static_cast<uint64_t>(seed) ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(rank() + 1)));
  reducer_ = std::make_unique<GradReducer>(dist_, params, tc_.dist_bucket_mb);
  spdlog::info("data-parallel: {} processes ({}), {} gradient bucket{}; effective batch: train.batch_tokens {} per "
               "rank x {} ranks x accum_steps {} = up to {} target tokens per step",
               world(), dist_.backend_name(), reducer_->bucket_count(), reducer_->bucket_count() == 1 ? "" : "s",
               tc_.batch_tokens, world(), tc_.accum_steps, tc_.batch_tokens * world() * tc_.accum_steps);
}

std::pair<CheckpointFile, CheckpointFile> DataParallel::resume_files(const fs::path& out) {
  const std::string last = (out / "last.pt").string(), state = (out / "train_state.pt").string();
  CheckpointFile weights{last, {}}, train_state{state, {}};
  if (main()) {  // read and checked once, here, so that a damaged file is named by the rank that read it
    weights = read_checkpoint(last);
    check_weights_dependencies(weights);
    train_state = read_checkpoint(state);
  }
  dist_.broadcast_bytes(weights.bytes, "sending last.pt to every rank");
  dist_.broadcast_bytes(train_state.bytes, "sending train_state.pt to every rank");
  if (main()) return {std::move(weights), std::move(train_state)};
  return {checkpoint_from_bytes(std::move(weights.bytes), last), checkpoint_from_bytes(std::move(train_state.bytes), state)};
}

void DataParallel::check_and_pick_rng(TrainState& st, const std::string& dir) const {
  check_world_size(st, world(), dir);
  if (st.rank_rng_cpu.defined() && st.rank_rng_cpu.size(0) == world()) st.rng_cpu = st.rank_rng_cpu[rank()].clone();
  if (st.rank_rng_cuda.defined() && st.rank_rng_cuda.dim() == 2 && st.rank_rng_cuda.size(0) == world())
    st.rng_cuda = st.rank_rng_cuda[rank()].clone();
}

void DataParallel::gather_rng(TrainState& st) {
  st.world_size = world();
  st.rank_rng_cpu = stacked(dist_.allgather(st.rng_cpu, "gathering the random states"));
  if (st.rng_cuda.defined() && st.rng_cuda.numel() > 0)
    st.rank_rng_cuda = stacked(dist_.allgather(st.rng_cuda, "gathering the CUDA random states"));
}

int64_t DataParallel::global_tokens(int64_t local_tokens) {
  auto t = torch::full({1}, static_cast<double>(local_tokens),
                       torch::TensorOptions().dtype(torch::kDouble).device(dist_.comm_device()));
  dist_.allreduce_sum(t, "the token count all-reduce");
  return static_cast<int64_t>(t.item<double>() + 0.5);
}

GlobalStep DataParallel::finish_step(double loss_sum, double nll_sum, double lr, StopRequest local_stop) {
  const bool m = main();
  auto cpu = torch::tensor({loss_sum, nll_sum, m ? lr : 0.0, m ? static_cast<double>(local_stop) : 0.0,
                            local_stop == StopRequest::Interrupted ? 1.0 : 0.0},
                           torch::kDouble);
  torch::Tensor extra = cpu.to(dist_.comm_device());
  reducer_->finish(extra);
  const auto e = extra.cpu();
  const double* v = e.data_ptr<double>();
  GlobalStep g;
  g.loss_sum = v[0];
  g.nll_sum = v[1];
  g.lr = v[2];
  g.stop = static_cast<StopRequest>(static_cast<int>(v[3] + 0.5));
  if (g.stop == StopRequest::None && v[4] > 0.5) g.stop = StopRequest::Interrupted;
  return g;
}

StopRequest DataParallel::after_main_work(const std::string& what, StopRequest main_stop) {
  if (main()) {
    dist_.main_done(std::to_string(static_cast<int>(main_stop)));
    return main_stop;
  }
  const std::string v = dist_.wait_for_main(what);
  return static_cast<StopRequest>(std::stoi(v));
}

void DataParallel::finish() { dist_.barrier("the end of training"); }

}  // namespace nmt
