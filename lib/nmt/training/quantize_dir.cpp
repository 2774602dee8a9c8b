#include "nmt/training/quantize_dir.h"

#include <filesystem>

#include "nmt/data/tokenizer.h"
#include "nmt/training/checkpoint.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "nmt/util/json.h"

namespace nmt {
namespace fs = std::filesystem;
namespace {

// `out` must not exist or be empty: nothing is ever overwritten.
void check_output_dir(const std::string& out) {
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw UsageError("output directory " + out + " already exists and is not empty — nothing was written");
}

void create_output_dir(const std::string& out) {
  check_output_dir(out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw IoError("cannot create model directory " + out + ": " + ec.message());
}

}  // namespace

QuantizeResult quantize_model_dir(const std::string& dir, const std::string& out, const std::string& which) {
  if (is_int8_model_dir(dir))
    throw UsageError("model directory " + dir + " is already int8 (it has " + kInt8MarkerFile +
                     "): quantize its float model directory instead");
  check_output_dir(out);
  LoadedModel lm = load_model_dir(dir, torch::kCPU, which);
  QuantizeResult r;
  r.source = lm.weights;
  r.out = out;
  r.summary = quantize_int8(*lm.model);
  if (r.summary.layers == 0) throw UsageError("model " + dir + " has no linear layers to quantize");

  create_output_dir(out);
  Config cfg = lm.config;
  cfg.output = out;
  write_file_atomic((fs::path(out) / "config.yaml").string(), to_yaml(cfg));
  const std::vector<std::string> tok_files = tokenizer_files(cfg.tokenizer);
  for (const auto& name : tok_files)
    write_file_atomic((fs::path(out) / name).string(), read_file((fs::path(dir) / name).string()));
  // SentencePiece's .vocab files are for people; copy them along when present.
  for (const char* name : {"spm.vocab", "spm.src.vocab", "spm.tgt.vocab"})
    if (fs::exists(fs::path(dir) / name))
      write_file_atomic((fs::path(out) / name).string(), read_file((fs::path(dir) / name).string()));

  const std::string weights = (fs::path(out) / "best.pt").string();
  save_weights(*lm.model, weights, file_checksums(out, tok_files));
  Json rec;
  rec["format"] = "int8";
  rec["created_by"] = "nmt quantize";
  rec["scheme"] =
      "int8 weights with one float32 scale per output row (symmetric) for every linear layer; "
      "embeddings, norms, recurrent cells and biases stay float32";
  rec["source"] = r.source;
  rec["layers"] = r.summary.layers;
  rec["int8_weights"] = r.summary.int8_weights;
  rec["float_values"] = r.summary.float_values;
  write_file_atomic((fs::path(out) / kInt8MarkerFile).string(), rec.dump(2) + "\n");
  r.float_bytes = static_cast<int64_t>(fs::file_size(r.source));
  r.int8_bytes = static_cast<int64_t>(fs::file_size(weights));
  // The new directory must load on its own; loading packs the layers for this machine's kernel.
  r.summary.kernel = int8_summary(*load_model_dir(out, torch::kCPU).model).kernel;
  return r;
}

}  // namespace nmt
