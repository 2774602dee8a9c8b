#include "nmt/training/checkpoint.h"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>

#include <filesystem>
#include <mutex>
#include <sstream>

#include "nmt/util/checksum.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "nmt/util/json.h"

namespace nmt {
namespace fs = std::filesystem;

namespace {

constexpr const char* kDependsKey = "nmt_depends";         // weights: "name=0x1234abcd\n" per file
constexpr const char* kWeightsCrcKey = "weights_crc32";    // train_state.pt: CRC-32 of its last.pt

std::string archive_bytes(torch::serialize::OutputArchive& ar) {
  std::ostringstream os(std::ios::binary);
  ar.save_to(os);
  return os.str();
}

void load_archive(torch::serialize::InputArchive& ar, const CheckpointFile& file, const torch::Device& device) {
  try {
    ar.load_from(file.bytes.data(), file.bytes.size(), device);
  } catch (const c10::Error& e) {
    throw IoError("cannot read " + file.path + ": " + e.what_without_backtrace());
  }
}

std::string format_depends(const FileChecksums& depends) {
  std::string s;
  for (const auto& [name, crc] : depends) s += name + "=" + crc32_hex(crc) + "\n";
  return s;
}

FileChecksums parse_depends(const std::string& text, const std::string& path) {
  FileChecksums out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.rfind('=');
    if (eq == std::string::npos || eq == 0) throw IoError(path + " is damaged: malformed " + kDependsKey + " record");
    try {
      out[line.substr(0, eq)] = static_cast<uint32_t>(std::stoul(line.substr(eq + 1), nullptr, 16));
    } catch (const std::exception&) {
      throw IoError(path + " is damaged: malformed " + kDependsKey + " record");
    }
  }
  return out;
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

FileChecksums file_checksums(const std::string& dir, const std::vector<std::string>& names) {
  FileChecksums out;
  for (const auto& name : names) out[name] = crc32_of(read_file((fs::path(dir) / name).string()));
  return out;
}

CheckpointFile read_checkpoint(const std::string& path) {
  if (!fs::exists(path)) throw IoError("missing file " + path);
  CheckpointFile f{path, read_file(path)};
  verify_zip(f.bytes, path);
  return f;
}

CheckpointFile checkpoint_from_bytes(std::string bytes, const std::string& path) {
  CheckpointFile f{path, std::move(bytes)};
  verify_zip(f.bytes, path);
  return f;
}

std::string weights_archive(torch::nn::Module& module, const FileChecksums& depends) {
  torch::serialize::OutputArchive ar;
  module.save(ar);
  if (!depends.empty()) ar.write(kDependsKey, c10::IValue(format_depends(depends)));
  return archive_bytes(ar);
}

void save_weights(torch::nn::Module& module, const std::string& path, const FileChecksums& depends) {
  write_file_atomic(path, weights_archive(module, depends));
}

void check_weights_dependencies(const CheckpointFile& weights) {
  torch::serialize::InputArchive ar;
  load_archive(ar, weights, torch::kCPU);
  c10::IValue v;
  if (!ar.try_read(kDependsKey, v)) return;  // saved before dependencies were recorded
  if (!v.isString()) throw IoError(weights.path + " is damaged: " + kDependsKey + " is not text");
  const fs::path dir = fs::path(weights.path).parent_path();
  for (const auto& [name, crc] : parse_depends(v.toStringRef(), weights.path)) {
    const std::string file = (dir / name).string();
    if (!fs::exists(file))
      throw IoError("missing file " + file + " (" + weights.path + " was trained with it)");
    const uint32_t now = crc32_of(read_file(file));
    if (now != crc)
      throw IoError(file + " is not the file " + fs::path(weights.path).filename().string() +
                    " was trained with (CRC-32 " + crc32_hex(now) + ", expected " + crc32_hex(crc) +
                    "): it is damaged or comes from another run");
  }
}

void load_weights(torch::nn::Module& module, const CheckpointFile& weights, const torch::Device& device) {
  torch::serialize::InputArchive ar;
  load_archive(ar, weights, device);
  try {
    module.load(ar);
  } catch (const c10::Error& e) {
    throw IoError("weights in " + weights.path + " do not match the model (its config.yaml): " +
                  e.what_without_backtrace());
  }
}

void load_weights(torch::nn::Module& module, const std::string& path, const torch::Device& device) {
  const CheckpointFile weights = read_checkpoint(path);
  check_weights_dependencies(weights);
  load_weights(module, weights, device);
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

std::string train_state_archive(const TrainState& s, torch::optim::Optimizer& opt, uint32_t weights_crc32) {
  torch::serialize::OutputArchive ar;
  ar.write("format", c10::IValue(int64_t{1}));
  if (weights_crc32 != 0) ar.write(kWeightsCrcKey, c10::IValue(static_cast<int64_t>(weights_crc32)));
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
  ar.write("sched_horizon", c10::IValue(s.schedule.horizon));
  ar.write("rng_cpu", s.rng_cpu.defined() ? s.rng_cpu : torch::empty({0}, torch::kUInt8));
  ar.write("rng_cuda", s.rng_cuda.defined() ? s.rng_cuda.cpu() : torch::empty({0}, torch::kUInt8));
  ar.write("world_size", c10::IValue(s.world_size));
  ar.write("rank_rng_cpu", s.rank_rng_cpu.defined() ? s.rank_rng_cpu.cpu() : torch::empty({0}, torch::kUInt8));
  ar.write("rank_rng_cuda", s.rank_rng_cuda.defined() ? s.rank_rng_cuda.cpu() : torch::empty({0}, torch::kUInt8));
  torch::serialize::OutputArchive opt_ar;
  opt.save(opt_ar);
  ar.write("optimizer", opt_ar);
  return archive_bytes(ar);
}

void save_train_state(const std::string& path, const TrainState& s, torch::optim::Optimizer& opt) {
  write_file_atomic(path, train_state_archive(s, opt));
}

TrainState load_train_state(const CheckpointFile& file, torch::optim::Optimizer& opt, const torch::Device& device,
                            const CheckpointFile* weights) {
  const std::string& path = file.path;
  torch::serialize::InputArchive ar;
  load_archive(ar, file, device);
  c10::IValue recorded;
  if (weights && ar.try_read(kWeightsCrcKey, recorded) && recorded.isInt()) {
    const uint32_t now = crc32_of(weights->bytes);
    if (now != static_cast<uint32_t>(recorded.toInt()))
      throw IoError(path + " and " + weights->path + " are from different saves (a save was cut off between "
                    "the two files), so training cannot resume from them exactly; best.pt is unaffected");
  }
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
    c10::IValue horizon;  // absent in states written before schedule: linear existed
    if (ar.try_read("sched_horizon", horizon) && horizon.isInt()) s.schedule.horizon = horizon.toInt();
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

TrainState load_train_state(const std::string& path, torch::optim::Optimizer& opt, const torch::Device& device,
                            const std::string& weights_path) {
  if (weights_path.empty()) return load_train_state(read_checkpoint(path), opt, device, nullptr);
  const CheckpointFile weights{weights_path, read_file(weights_path)};
  return load_train_state(read_checkpoint(path), opt, device, &weights);
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
