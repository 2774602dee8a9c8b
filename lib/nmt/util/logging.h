// One logging setup for the whole process (spdlog). Library code just calls spdlog::info(...).
#pragma once
#include <spdlog/common.h>

#include <string>

namespace nmt {

// Console sink on stderr at `level` (trace|debug|info|warn|error|off). Throws UsageError
// for an unknown level. Safe to call more than once; the last call wins.
void setup_logging(const std::string& level);

// A tag shown on every console line after the time (e.g. "rank 1" in data-parallel training);
// "" for none.
void set_log_tag(const std::string& tag);

// Adds (or replaces) a file sink, e.g. <model_dir>/train.log. The file logs at info or finer.
void add_log_file(const std::string& path);

// Removes the file sink added by add_log_file, flushing it.
void remove_log_file();

// Adds / removes a sink of the embedding program's own (kept when the console or file sink changes).
void add_log_sink(spdlog::sink_ptr sink);
void remove_log_sink(const spdlog::sink_ptr& sink);

}  // namespace nmt
