// The interactive translation console (nmt translate on a terminal).
#pragma once
#include <string>
#include <vector>

#include "nmt/decoding/translator.h"
#include "nmt/training/model_dir.h"

namespace nmt::cli {

// Reads sentences at a prompt (with line editing and history via libedit when available),
// translates each and prints it with its time. Commands: :beam K, :nbest N, :lp A,
// :attn, :svg FILE, :help, :quit. `svg_path` (may be empty): where :svg writes by default.
void run_console(Translator& tr, const LoadedModel& lm, const std::string& svg_path);

// The attention of a translation as [T][S] floats, and its SVG heatmap written to `path`.
std::vector<std::vector<float>> attention_rows(const Translation& t);
void write_attention_svg(const std::string& path, const Translation& t);

}  // namespace nmt::cli
