#include "nmt/training/checkpoint.h"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>

#include <filesystem>
#include <mutex>
#include <sstream>

#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "nmt/util/json.h"

namespace nmt {
namespace fs = std::filesystem;

namespace {
std::string archive_bytes(torch::serialize::OutputArchive& ar) {
  std::ostringstream os(std::ios::binary);
  ar.save_to(os);
  return os.str();
}

void load_archive(torch::serialize::InputArchive& ar, const std::string& path, const torch::Device& device) {
  if (!fs::exists(path)) throw IoError("missing file " + path);
  try {
    ar.load_from(path, device);
  } catch (const c10::Error& e) {
    throw IoError("cannot read " + path + ": " + e.what_without_backtrace());
  }
}

void load_archive_bytes(torch::serialize::InputArchive& ar, const std::string& bytes, const std::string& name,
                        const torch::Device& device) {
  try {
    ar.load_from(bytes.data(), bytes.size(), device);
  } catch (const c10::Error& e) {
    throw IoError("cannot read " + name + ": " + e.what_without_backtrace());
  }
}

void load_module(torch::nn::Module& module, torch::serialize::InputArchive& ar, const std::string& path) {
  try {
    module.load(ar);
  } catch (const c10::Error& e) {
    throw IoError("weights in " + path + " do not match the model: " + e.what_without_backtrace());
  }
}

template <typename T>
T read_scalar(torch::serialize::InputArchive& ar, const std::string& key);
template <>
int64_t read_scalar<int64_t>(torch::serialize::InputArchive& ar, const std::string& key) {
  c10::IValue v;
  ar.read(key, v);
  return v.toInt();
}
template <>
double read_scalar<double>(torch::serialize::InputArchive& ar, const std::string& key) {
  c10::IValue v;
  ar.read(key, v);
  return v.toDouble();
}
}  // namespace

void save_weights(torch::nn::Module& module, const std::string& path) {
  torch::serialize::OutputArchive ar;
  module.save(ar);
  write_file_atomic(path, archive_bytes(ar));
}

void load_weights(torch::nn::Module& module, const std::string& path, const torch::Device& device) {
  torch::serialize::InputArchive ar;
  load_archive(ar, path, device);
  load_module(module, ar, path);
}

void load_weights_from_bytes(torch::nn::Module& module, const std::string& bytes, const std::string& name,
                             const torch::Device& device) {
  torch::serialize::InputArchive ar;
  load_archive_bytes(ar, bytes, name, device);
  load_module(module, ar, name);
}

void capture_rng(TrainState& s, const torch::Device& device) {
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    s.rng_cpu = gen.get_state();
  }
  if (device.is_cuda()) {
    auto gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    s.rng_cuda = gen.get_state();
  }
}

void restore_rng(const TrainState& s, const torch::Device& device) {
  if (s.rng_cpu.defined() && s.rng_cpu.numel() > 0) {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s.rng_cpu);
  }
  if (device.is_cuda() && s.rng_cuda.defined() && s.rng_cuda.numel() > 0) {
    auto gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(s.rng_cuda);
  }
}

void save_train_state(const std::string& path, const TrainState& s, torch::optim::Optimizer& opt) {
  torch::serialize::OutputArchive ar;
  ar.write("format", c10::IValue(int64_t{1}));
  ar.write("step", c10::IValue(s.step));
  ar.write("epoch", c10::IValue(s.epoch));
  ar.write("batch_pos", c10::IValue(s.batch_pos));
  ar.write("best_metric", c10::IValue(s.best_metric));
  ar.write("has_best", c10::IValue(int64_t{s.has_best}));
  ar.write("best_step", c10::IValue(s.best_step));
  ar.write("bad_validations", c10::IValue(s.bad_validations));
  ar.write("wall_seconds", c10::IValue(s.wall_seconds));
  ar.write("tgt_tokens", c10::IValue(s.tgt_tokens));
  ar.write("loss_scale", c10::IValue(s.loss_scale));
  ar.write("loss_scale_good", c10::IValue(s.loss_scale_good));
  ar.write("sched_scale", c10::IValue(s.schedule.scale));
  ar.write("sched_best", c10::IValue(s.schedule.best));
  ar.write("sched_has_best", c10::IValue(int64_t{s.schedule.has_best}));
  ar.write("sched_bad", c10::IValue(s.schedule.bad));
  ar.write("rng_cpu", s.rng_cpu.defined() ? s.rng_cpu : torch::empty({0}, torch::kUInt8));
  ar.write("rng_cuda", s.rng_cuda.defined() ? s.rng_cuda.cpu() : torch::empty({0}, torch::kUInt8));
  ar.write("world_size", c10::IValue(s.world_size));
  ar.write("rank_rng_cpu", s.rank_rng_cpu.defined() ? s.rank_rng_cpu.cpu() : torch::empty({0}, torch::kUInt8));
  ar.write("rank_rng_cuda", s.rank_rng_cuda.defined() ? s.rank_rng_cuda.cpu() : torch::empty({0}, torch::kUInt8));
  torch::serialize::OutputArchive opt_ar;
  opt.save(opt_ar);
  ar.write("optimizer", opt_ar);
  write_file_atomic(path, archive_bytes(ar));
}

namespace {
TrainState read_train_state(torch::serialize::InputArchive& ar, const std::string& path, torch::optim::Optimizer& opt) {
  TrainState s;
  try {
    s.step = read_scalar<int64_t>(ar, "step");
    s.epoch = read_scalar<int64_t>(ar, "epoch");
    s.batch_pos = read_scalar<int64_t>(ar, "batch_pos");
    s.best_metric = read_scalar<double>(ar, "best_metric");
    s.has_best = read_scalar<int64_t>(ar, "has_best") != 0;
    s.best_step = read_scalar<int64_t>(ar, "best_step");
    s.bad_validations = read_scalar<int64_t>(ar, "bad_validations");
    s.wall_seconds = read_scalar<double>(ar, "wall_seconds");
    s.tgt_tokens = read_scalar<int64_t>(ar, "tgt_tokens");
    s.loss_scale = read_scalar<double>(ar, "loss_scale");
    s.loss_scale_good = read_scalar<int64_t>(ar, "loss_scale_good");
    s.schedule.scale = read_scalar<double>(ar, "sched_scale");
    s.schedule.best = read_scalar<double>(ar, "sched_best");
    s.schedule.has_best = read_scalar<int64_t>(ar, "sched_has_best") != 0;
    s.schedule.bad = read_scalar<int64_t>(ar, "sched_bad");
    ar.read("rng_cpu", s.rng_cpu);
    ar.read("rng_cuda", s.rng_cuda);
    s.rng_cpu = s.rng_cpu.cpu();
    s.rng_cuda = s.rng_cuda.cpu();
    c10::IValue world;
    if (ar.try_read("world_size", world)) {  // absent in states written before data-parallel training
      s.world_size = world.toInt();
      ar.read("rank_rng_cpu", s.rank_rng_cpu);
      ar.read("rank_rng_cuda", s.rank_rng_cuda);
      s.rank_rng_cpu = s.rank_rng_cpu.cpu();
      s.rank_rng_cuda = s.rank_rng_cuda.cpu();
    }
    torch::serialize::InputArchive opt_ar;
    ar.read("optimizer", opt_ar);
    opt.load(opt_ar);
  } catch (const c10::Error& e) {
    throw IoError("training state " + path + " is incomplete or from another model: " +
                  e.what_without_backtrace());
  }
  return s;
}

}  // namespace

TrainState load_train_state(const std::string& path, torch::optim::Optimizer& opt, const torch::Device& device) {
  torch::serialize::InputArchive ar;
  load_archive(ar, path, device);
  return read_train_state(ar, path, opt);
}

TrainState load_train_state_from_bytes(const std::string& bytes, const std::string& name, torch::optim::Optimizer& opt,
                                       const torch::Device& device) {
  torch::serialize::InputArchive ar;
  load_archive_bytes(ar, bytes, name, device);
  return read_train_state(ar, name, opt);
}

std::string train_state_json(const TrainState& s, DevMetric metric) {
  Json o;
  o["step"] = s.step;
  o["epoch"] = s.epoch;
  o["batch_pos"] = s.batch_pos;
  o["metric"] = enum_name(metric);
  if (s.has_best) {
    o["best_metric"] = s.best_metric;
    o["best_step"] = s.best_step;
  }
  o["bad_validations"] = s.bad_validations;
  o["lr_scale"] = s.schedule.scale;
  o["wall_seconds"] = s.wall_seconds;
  o["tgt_tokens"] = s.tgt_tokens;
  if (s.world_size > 1) o["world_size"] = s.world_size;
  if (s.loss_scale > 0) o["loss_scale"] = s.loss_scale;
  return o.dump(2) + "\n";
}

}  // namespace nmt
