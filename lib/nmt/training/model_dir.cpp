#include "nmt/training/model_dir.h"


#include "nmt/models/ensemble.h"
#include "nmt/models/factory.h"
#include "nmt/models/quantize.h"
#include "nmt/training/checkpoint.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"

namespace nmt {
namespace fs = std::filesystem;

bool is_int8_model_dir(const std::string& dir) { return fs::exists(fs::path(dir) / kInt8MarkerFile); }

LoadedModel load_model_dir(const std::string& dir, const torch::Device& device, const std::string& which) {
  if (!fs::is_directory(dir)) throw IoError("model directory " + dir + " does not exist");
  const fs::path d(dir);
  const fs::path cfg_path = d / "config.yaml";
  if (!fs::exists(cfg_path)) throw IoError("model directory " + dir + " has no config.yaml");

  const bool int8 = is_int8_model_dir(dir);
  if (int8 && which == "last")
    throw UsageError("model directory " + dir + " is int8 (nmt quantize): it has best.pt only, no last.pt");
  std::string weights;
  if (which == "best") {
    weights = fs::exists(d / "best.pt") ? (d / "best.pt").string() : (d / "last.pt").string();
  } else if (which == "last") {
    weights = (d / "last.pt").string();
  } else {
    throw UsageError("which weights: expected best or last, got \"" + which + "\"");
  }
  if (!fs::exists(weights))
    throw IoError("model directory " + dir + " has no " + (which == "best" ? "best.pt or last.pt" : "last.pt") +
                  " (has training run long enough to save a checkpoint?)");

  LoadedModel out;
  out.config = parse_config_text(read_file(cfg_path.string()), cfg_path.string());
  // The weights first: a damaged checkpoint, or a tokenizer file that is not the one the
  // weights were trained with, is reported before the tokenizer or the model is built.
  const CheckpointFile checkpoint = read_checkpoint(weights);
  check_weights_dependencies(checkpoint);
  out.tokenizers = load_tokenizers(dir, out.config.tokenizer);
  out.model = make_model(out.config.model, out.tokenizers.src->vocab_size(), out.tokenizers.tgt->vocab_size());
  if (int8) quantize_int8(*out.model);  // the int8 layout, then the saved int8 values
  out.model->to(device);
  load_weights(*out.model, checkpoint, device);
  if (int8) pack_int8(*out.model);  // now, so that the first translation does not pay for it
  out.model->eval();
  out.weights = weights;
  return out;
}

void check_same_vocabulary(const Tokenizer& a, const std::string& a_dir, const Tokenizer& b, const std::string& b_dir,
                           const std::string& side, const std::string& who) {
  const std::string head = who + " must share the " + side + " vocabulary: ";
  if (a.vocab_size() != b.vocab_size())
    throw UsageError(head + a_dir + " has " + std::to_string(a.vocab_size()) + " " + side + " tokens, " + b_dir +
                     " has " + std::to_string(b.vocab_size()));
  std::vector<int32_t> ids(static_cast<size_t>(a.vocab_size()));
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  const auto pa = a.pieces(ids), pb = b.pieces(ids);
  for (size_t i = 0; i < ids.size() && i < pa.size() && i < pb.size(); ++i)
    if (pa[i] != pb[i])
      throw UsageError(head + side + " token " + std::to_string(i) + " is '" + pa[i] + "' in " + a_dir + " but '" +
                       pb[i] + "' in " + b_dir);
}

LoadedModel load_models(const std::vector<std::string>& dirs, const torch::Device& device, const std::string& which,
                        const std::vector<double>& weights) {
  if (dirs.empty()) throw UsageError("no model directory given");
  if (!weights.empty() && weights.size() != dirs.size())
    throw UsageError(std::to_string(weights.size()) + " ensemble weight(s) for " + std::to_string(dirs.size()) +
                     " model(s): give one weight per -m");
  if (dirs.size() == 1) return load_model_dir(dirs[0], device, which);
  std::vector<Seq2Seq> members;
  LoadedModel out;
  for (size_t i = 0; i < dirs.size(); ++i) {
    LoadedModel m = load_model_dir(dirs[i], device, which);
    if (i == 0) {
      out = m;
    } else {
      check_same_vocabulary(*out.tokenizers.tgt, dirs[0], *m.tokenizers.tgt, dirs[i], "target", "ensemble members");
      check_same_vocabulary(*out.tokenizers.src, dirs[0], *m.tokenizers.src, dirs[i], "source", "ensemble members");
      out.weights += "," + m.weights;
    }
    members.push_back(m.model);
  }
  out.model = std::make_shared<EnsembleImpl>(std::move(members), weights);
  out.model->eval();
  return out;
}

}  // namespace nmt
