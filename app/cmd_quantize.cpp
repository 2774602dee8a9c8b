// nmt quantize: a float model directory → an int8 model directory (training/quantize_dir.h).
#include <spdlog/fmt/fmt.h>

#include <iostream>

#include "cli.h"
#include "nmt/training/quantize_dir.h"

namespace nmt::cli {

void add_quantize(CLI::App& app, GlobalOptions& g) {
  struct Opts {
    std::string model_dir, out, checkpoint = "best";
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand(
      "quantize",
      "Write an int8 copy of a model directory: every linear layer's weights as int8 with one scale per output row. "
      "`nmt translate -m OUT` runs it; it cannot be trained further.");
  sub->add_option("-m,--model", o->model_dir, "Float model directory")->required();
  sub->add_option("--out", o->out, "New model directory (must not exist or be empty)")->required();
  sub->add_option("--checkpoint", o->checkpoint, "Which weights: best or last")
      ->check(CLI::IsMember({"best", "last"}))->capture_default_str();
  sub->callback([o, &g] {
    apply_globals(g);
    const QuantizeResult r = quantize_model_dir(o->model_dir, o->out, o->checkpoint);
    const Int8Summary& s = r.summary;
    std::cout << fmt::format("int8 model written to {} (from {})\n", r.out, r.source)
              << fmt::format("  {} linear layers in int8 ({:.2f}M weights); {:.2f}M float32 values stay "
                             "(embeddings, norms, recurrent cells, biases, scales)\n",
                             s.layers, s.int8_weights / 1e6, s.float_values / 1e6)
              << fmt::format("  weights file: {:.1f} MiB → {:.1f} MiB\n", r.float_bytes / 1048576.0,
                             r.int8_bytes / 1048576.0)
              << fmt::format("  int8 kernel here: {}\n", int8_kernel_name(s.kernel));
  });
}

}  // namespace nmt::cli
