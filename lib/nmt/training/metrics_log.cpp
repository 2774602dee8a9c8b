#include "nmt/training/metrics_log.h"

#include <spdlog/spdlog.h>

#include <fstream>

#include "nmt/util/error.h"
#include "nmt/util/file_io.h"

namespace nmt {
namespace {

// The records of `path` with their line texts; malformed lines are reported and skipped.
std::vector<std::pair<Json, std::string>> read_records(const std::string& path) {
  std::vector<std::pair<Json, std::string>> out;
  std::ifstream in(path);
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    Json rec = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!rec.is_object()) {
      spdlog::warn("{}:{}: not a JSON object, skipped (a torn line from an interrupted run?)", path, n);
      continue;
    }
    out.emplace_back(std::move(rec), line);
  }
  return out;
}

}  // namespace

void MetricsLog::open(const std::string& path, int64_t keep_up_to_step) {
  path_ = path;
  if (keep_up_to_step < 0) return;
  std::ifstream probe(path);
  if (!probe) return;
  probe.close();
  std::string kept;
  for (const auto& [rec, line] : read_records(path))
    if (json_number(rec, "step", 0) <= static_cast<double>(keep_up_to_step)) kept += line + "\n";
  if (kept != read_file(path)) write_file_atomic(path, kept);
}

void MetricsLog::write(const Json& record) {
  if (path_.empty()) return;
  std::ofstream out(path_, std::ios::app);
  if (!out) throw IoError("cannot append to " + path_);
  out << record.dump() << "\n";
  out.flush();
  if (!out) throw IoError("cannot write to " + path_);
}

std::vector<Json> read_metrics_log(const std::string& path) {
  std::vector<Json> out;
  for (auto& entry : read_records(path)) out.push_back(std::move(entry.first));
  return out;
}

}  // namespace nmt
