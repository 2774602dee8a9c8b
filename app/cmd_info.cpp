// `nmt info -m DIR`: what a model directory holds — config, parameter count, training state.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <spdlog/fmt/fmt.h>

#include "cli.h"
#include "nmt/models/factory.h"
#include "nmt/models/quantize.h"
#include "nmt/training/model_dir.h"
#include "nmt/util/error.h"
#include "nmt/util/file_io.h"
#include "nmt/util/json.h"

namespace nmt::cli {
namespace fs = std::filesystem;

namespace {
void print_info(const std::string& dir) {
  if (!fs::is_directory(dir)) throw IoError("model directory " + dir + " does not exist");
  fs::path d(dir), cfg_path = d / "config.yaml";
  if (!fs::exists(cfg_path)) throw IoError("model directory " + dir + " has no config.yaml (not a model directory?)");
  std::string yaml = read_file(cfg_path.string());
  Config cfg = parse_config_text(yaml, cfg_path.string());

  std::cout << "model directory: " << dir << "\n";
  std::cout << "name: " << cfg.name << "    arch: " << enum_name(cfg.model.arch) << "\n";
  // Parameter count: from the saved weights when there are any, else from a fresh model.
  try {
    if (fs::exists(d / "best.pt") || fs::exists(d / "last.pt")) {
      LoadedModel lm = load_model_dir(dir, torch::Device(torch::kCPU), "best");
      const Int8Summary q = int8_summary(*lm.model);
      if (q.layers > 0)
        std::cout << "parameters: " << q.int8_weights << " int8 + " << lm.model->parameter_count()
                  << " float32 (weights " << lm.weights << ")\n"
                  << "quantized: int8 (" << kInt8MarkerFile << "): " << q.layers
                  << " linear layers with per-row scales; inference only; kernel here: " << int8_kernel_name(q.kernel)
                  << "\n";
      else
        std::cout << "parameters: " << lm.model->parameter_count() << " (weights " << lm.weights << ")\n";
    } else {
      Tokenizers tok = load_tokenizers(dir, cfg.tokenizer);
      Seq2Seq m = make_model(cfg.model, tok.src->vocab_size(), tok.tgt->vocab_size());
      std::cout << "parameters: " << m->parameter_count() << " (no weights saved yet)\n";
    }
  } catch (const IoError& e) {
    std::cout << "parameters: unknown (" << e.what() << ")\n";
  }

  if (fs::exists(d / kAverageRecordFile)) {  // written by nmt average
    const Json avg = read_json_file((d / kAverageRecordFile).string());
    std::cout << "averaged: best.pt is the mean of " << avg.value("k", 0) << " checkpoints (" << avg.value("method", "?")
              << "):\n";
    if (avg.contains("checkpoints") && avg["checkpoints"].is_array())
      for (const auto& c : avg["checkpoints"])
        if (c.is_object()) std::cout << "  " << c.value("path", "?") << "\n";
  }

  std::cout << "\ntraining state:\n";
  if (fs::exists(d / "train_state.json")) {
    const Json st = read_json_file((d / "train_state.json").string());
    for (const auto& [key, value] : st.items())
      std::cout << fmt::format("  {:<16} {}\n", key, value.is_string() ? value.get<std::string>() : value.dump());
  } else {
    std::cout << (fs::exists(d / kAverageRecordFile) ? "  (none: averaged weights, for inference)\n"
                                                     : "  (none: not trained yet)\n");
  }

  std::cout << "\nfiles:\n";
  std::vector<fs::directory_entry> entries(fs::directory_iterator(d), fs::directory_iterator{});
  std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.path() < b.path(); });
  for (const auto& e : entries) {
    if (!e.is_regular_file()) continue;
    std::string name = e.path().filename().string();
    if (!name.empty() && name[0] == '.') continue;  // temp files of an interrupted write
    std::cout << fmt::format("  {:<20} {:>10.1f} KiB\n", name, static_cast<double>(e.file_size()) / 1024.0);
  }
  std::cout << "\nconfig (" << cfg_path.string() << "):\n" << yaml;
}
}  // namespace

void add_info(CLI::App& app, GlobalOptions& g) {
  auto dir = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("info", "Show a model directory: config, parameter count, training state, files");
  sub->add_option("-m,--model-dir", *dir, "Model directory (e.g. models/bible-es-en-transformer)")->required();
  sub->callback([&g, dir] {
    apply_globals(g);
    print_info(*dir);
  });
}

}  // namespace nmt::cli
