#include "nmt/training/average.h"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "nmt/data/tokenizer.h"
#include "nmt/models/factory.h"
#include "nmt/training/checkpoint.h"
#include "nmt/training/metrics_log.h"
#include "nmt/training/model_dir.h"
#include "nmt/training/step_checkpoints.h"
#include "nmt/training/validator.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "nmt/util/json.h"

namespace nmt {
namespace fs = std::filesystem;

namespace {

// ---- choosing checkpoints -----------------------------------------------------------------

std::string list_steps(const std::vector<StepCheckpoint>& all) {
  std::string s;
  for (const auto& c : all) s += (s.empty() ? "" : ", ") + std::to_string(c.step);
  return s.empty() ? "none" : s;
}

std::vector<StepCheckpoint> step_checkpoints_of(const std::string& dir) {
  if (!fs::is_directory(dir)) throw IoError("model directory " + dir + " does not exist");
  return list_step_checkpoints(dir);
}

// ---- comparing models -----------------------------------------------------------------------

struct Source {
  std::string dir;
  Config cfg;
  Tokenizers tok;
};

Config read_dir_config(const std::string& dir) {
  const std::string cfg_path = (fs::path(dir) / "config.yaml").string();
  if (!fs::is_directory(dir)) throw IoError("model directory " + dir + " does not exist");
  if (!fs::exists(cfg_path)) throw IoError("model directory " + dir + " has no config.yaml");
  return parse_config_text(read_file(cfg_path), cfg_path);
}

Source read_source(const std::string& dir) {
  Source s;
  s.dir = dir;
  s.cfg = read_dir_config(dir);
  s.tok = load_tokenizers(dir, s.cfg.tokenizer);
  return s;
}

// The model section of a config as (key, value) pairs, in the order to_yaml writes them.
std::vector<std::pair<std::string, std::string>> model_options(const Config& cfg) {
  std::vector<std::pair<std::string, std::string>> out;
  const YAML::Node model = YAML::Load(to_yaml(cfg))["model"];
  for (const auto& kv : model) out.emplace_back(kv.first.as<std::string>(), YAML::Dump(kv.second));
  return out;
}

// Architecture, every option that changes the network (dropout does not, at inference) and
// both vocabularies.
void check_same_network(const Source& a, const Source& b) {
  const auto oa = model_options(a.cfg), ob = model_options(b.cfg);
  const std::pair<std::string, std::string> absent{"", "(absent)"};
  for (size_t i = 0; i < std::max(oa.size(), ob.size()); ++i) {
    const auto& ka = i < oa.size() ? oa[i] : absent;
    const auto& kb = i < ob.size() ? ob[i] : absent;
    if (ka.first == kb.first && ka.first.find("dropout") != std::string::npos) continue;
    if (ka == kb) continue;
    const std::string key = ka.first.empty() ? kb.first : ka.first;
    throw UsageError("cannot average " + a.dir + " and " + b.dir + ": different " +
                     (key == "arch" ? std::string("architectures") : std::string("models")) + " (model." + key +
                     " is " + ka.second + " in " + a.dir + " but " + kb.second + " in " + b.dir + ")");
  }
  check_same_vocabulary(*a.tok.src, a.dir, *b.tok.src, b.dir, "source", "averaged models");
  check_same_vocabulary(*a.tok.tgt, a.dir, *b.tok.tgt, b.dir, "target", "averaged models");
}

// ---- averaging --------------------------------------------------------------------------------

using Named = std::vector<std::pair<std::string, torch::Tensor>>;

Named named_tensors(torch::nn::Module& m) {
  Named out;
  for (const auto& p : m.named_parameters()) out.emplace_back(p.key(), p.value());
  for (const auto& b : m.named_buffers()) out.emplace_back(b.key(), b.value());
  return out;
}

std::string shape_str(const torch::Tensor& t) {
  std::ostringstream os;
  os << t.sizes();
  return os.str();
}

// Adds the tensors of `file` (just loaded into `model`) to `sums`. `expected`: the shapes a
// model built from the config has (loading does not check them).
void accumulate(torch::nn::Module& model, const Named& expected, const AverageSource& file,
                std::vector<torch::Tensor>& sums) {
  const Named got = named_tensors(model);
  TORCH_CHECK(got.size() == expected.size(), "average: the model's tensors changed while loading");
  for (size_t j = 0; j < expected.size(); ++j) {
    const auto& [name, t] = got[j];
    if (t.sizes() != expected[j].second.sizes() || t.scalar_type() != expected[j].second.scalar_type())
      throw UsageError("cannot average: " + name + " has shape " + shape_str(t) + " in " + file.path + " but " +
                       shape_str(expected[j].second) + " in the model " + file.dir + "/config.yaml describes");
    if (t.is_floating_point()) {
      sums[j] = sums[j].defined() ? sums[j].add_(t.to(torch::kDouble)) : t.to(torch::kDouble);
    } else if (!sums[j].defined()) {
      sums[j] = t.clone();
    } else if (!torch::equal(sums[j], t)) {
      throw UsageError("cannot average: the integer tensor " + name + " differs in " + file.path);
    }
  }
}

Json describe(const std::vector<AverageSource>& files, const std::string& method, const Config& cfg) {
  Json rec;
  rec["created_by"] = "nmt average";
  rec["method"] = method;
  rec["k"] = files.size();
  rec["metric"] = enum_name(cfg.train.metric);
  Json list = Json::array();
  for (const auto& f : files) {
    Json e;
    e["path"] = fs::absolute(f.path).lexically_normal().string();
    if (f.step >= 0) e["step"] = f.step;
    if (f.dev_metric) e["dev_" + std::string(enum_name(cfg.train.metric))] = *f.dev_metric;
    list.push_back(e);
  }
  rec["checkpoints"] = list;
  return rec;
}

// Writes config.yaml (output: the new directory), the tokenizer files, best.pt and
// average.json into `out`, all or none.
void write_average_dir(const Source& first, torch::nn::Module& model, const std::string& out, const Json& record) {
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw UsageError("output directory " + out + " already exists and is not empty (nothing was written)");
  const bool created = !fs::exists(out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw IoError("cannot create model directory " + out + ": " + ec.message());
  try {
    Config cfg = first.cfg;
    cfg.output = out;
    const std::vector<std::string> names = tokenizer_files(cfg.tokenizer);
    AtomicFiles files;
    files.stage((fs::path(out) / "config.yaml").string(), to_yaml(cfg));
    for (const auto& name : names) {
      files.stage((fs::path(out) / name).string(), read_file((fs::path(first.dir) / name).string()));
      // SentencePiece's readable .vocab next to its .model, when the run kept one.
      const fs::path vocab = (fs::path(first.dir) / name).replace_extension(".vocab");
      if (vocab.extension() != fs::path(name).extension() && fs::exists(vocab))
        files.stage((fs::path(out) / vocab.filename()).string(), read_file(vocab.string()));
    }
    files.stage((fs::path(out) / "best.pt").string(), weights_archive(model, file_checksums(first.dir, names)));
    files.stage((fs::path(out) / kAverageRecordFile).string(), record.dump(2) + "\n");
    files.commit();
  } catch (...) {
    if (created) fs::remove_all(out, ec);
    throw;
  }
}

}  // namespace

std::vector<AverageSource> last_checkpoints(const std::string& dir, int64_t k) {
  if (k < 1) throw UsageError("--last: must be >= 1, got " + std::to_string(k));
  const auto all = step_checkpoints_of(dir);
  if (static_cast<int64_t>(all.size()) < k)
    throw UsageError(dir + " has " + std::to_string(all.size()) + " step checkpoint(s) (steps " + list_steps(all) +
                     "), fewer than the " + std::to_string(k) + " asked for; train with train.keep_checkpoints >= " +
                     std::to_string(k));
  std::vector<AverageSource> out;
  for (auto it = all.rbegin(); it != all.rend() && static_cast<int64_t>(out.size()) < k; ++it)
    out.push_back({dir, it->path, it->step, std::nullopt});
  return out;
}

std::vector<AverageSource> best_checkpoints(const std::string& dir, int64_t k) {
  if (k < 1) throw UsageError("--best: must be >= 1, got " + std::to_string(k));
  const auto all = step_checkpoints_of(dir);
  const DevMetric metric = read_dir_config(dir).train.metric;
  const std::string key = enum_name(metric);
  std::map<int64_t, double> dev;  // step → the metric of its (last) dev record
  for (const Json& rec : read_metrics_log((fs::path(dir) / "metrics.jsonl").string()))
    if (rec.value("type", "") == "dev" && rec.contains(key) && rec[key].is_number())
      dev[static_cast<int64_t>(json_number(rec, "step", -1))] = rec[key].get<double>();
  std::vector<AverageSource> scored;
  for (const auto& c : all)
    if (auto it = dev.find(c.step); it != dev.end()) scored.push_back({dir, c.path, c.step, it->second});
  if (static_cast<int64_t>(scored.size()) < k)
    throw UsageError(dir + ": only " + std::to_string(scored.size()) + " of its step checkpoints (steps " +
                     list_steps(all) + ") have a dev " + key + " in metrics.jsonl, fewer than the " +
                     std::to_string(k) +
                     " asked for; validate at the steps you save (train.validate_every = train.save_every) or ask "
                     "for fewer");
  const bool higher = Validator::higher_is_better(metric);
  std::stable_sort(scored.begin(), scored.end(), [higher](const AverageSource& a, const AverageSource& b) {
    if (*a.dev_metric != *b.dev_metric) return higher ? *a.dev_metric > *b.dev_metric : *a.dev_metric < *b.dev_metric;
    return a.step > b.step;
  });
  scored.resize(static_cast<size_t>(k));
  return scored;
}

std::vector<AverageSource> model_checkpoints(const std::vector<std::string>& dirs, const std::string& which) {
  if (which != "best" && which != "last")
    throw UsageError("which weights: expected best or last, got \"" + which + "\"");
  std::vector<AverageSource> out;
  for (const auto& d : dirs) {
    const fs::path best = fs::path(d) / "best.pt", last = fs::path(d) / "last.pt";
    const fs::path p = which == "best" && fs::exists(best) ? best : last;
    if (!fs::exists(p))
      throw IoError("model directory " + d + " has no " + (which == "best" ? "best.pt or last.pt" : "last.pt"));
    out.push_back({d, p.string(), -1, std::nullopt});
  }
  return out;
}

AverageResult average_checkpoints(const std::vector<AverageSource>& files, const std::string& out,
                                  const std::string& method) {
  if (files.empty()) throw UsageError("nothing to average");
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw UsageError("output directory " + out + " already exists and is not empty (nothing was written)");
  std::map<std::string, Source> sources;
  for (const auto& f : files)
    if (!sources.count(f.dir)) sources.emplace(f.dir, read_source(f.dir));
  const Source& first = sources.at(files.front().dir);
  for (const auto& [dir, s] : sources)
    if (dir != first.dir) check_same_network(first, s);

  torch::NoGradGuard no_grad;
  Seq2Seq model = make_model(first.cfg.model, first.tok.src->vocab_size(), first.tok.tgt->vocab_size());
  Named expected;
  for (auto& [name, t] : named_tensors(*model)) expected.emplace_back(name, t.clone());
  std::vector<torch::Tensor> sums(expected.size());
  for (const auto& f : files) {
    spdlog::info("averaging {}", f.path);
    const CheckpointFile ckpt = read_checkpoint(f.path);  // complete and undamaged, or IoError
    check_weights_dependencies(ckpt);                      // and trained with these tokenizers
    load_weights(*model, ckpt, torch::kCPU);
    accumulate(*model, expected, f, sums);
  }
  AverageResult res;
  const Named target = named_tensors(*model);
  for (size_t j = 0; j < target.size(); ++j) {
    torch::Tensor t = target[j].second;
    t.copy_(t.is_floating_point() ? sums[j].div(static_cast<double>(files.size())).to(t.scalar_type()) : sums[j]);
    res.values += t.numel();
  }
  res.tensors = static_cast<int64_t>(target.size());
  write_average_dir(first, *model, out, describe(files, method, first.cfg));
  res.out = out;
  res.sources = files;
  return res;
}

}  // namespace nmt
