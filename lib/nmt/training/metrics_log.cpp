#include "nmt/training/metrics_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "nmt/util/error.h"
#include "nmt/util/file_io.h"

namespace nmt {
namespace {

// Why `rec` is not a metrics record, or "" when it is one.
std::string record_problem(const Json& rec) {
  if (!rec.is_object()) return "not a JSON object";
  const auto type = rec.find("type");
  if (type == rec.end() || !type->is_string()) return "no \"type\" string";
  const auto step = rec.find("step");
  if (step == rec.end() || !step->is_number()) return "no \"step\" number";
  return "";
}

// The records of `text` with their line texts; malformed lines are reported and skipped.
std::vector<std::pair<Json, std::string_view>> parse_records(std::string_view text, const std::string& name) {
  std::vector<std::pair<Json, std::string_view>> out;
  size_t start = 0;
  for (int64_t n = 1; start < text.size(); ++n) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    Json rec = Json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    const std::string problem = record_problem(rec);
    if (!problem.empty()) {
      spdlog::warn("{}:{}: {}, skipped (a torn line from an interrupted run?)", name, n, problem);
      continue;
    }
    out.emplace_back(std::move(rec), line);
  }
  return out;
}

}  // namespace

void MetricsLog::open(const std::string& path, int64_t keep_up_to_step) {
  path_ = path;
  if (keep_up_to_step < 0 || !std::filesystem::exists(path)) return;
  const std::string text = read_file(path);
  std::string kept;
  for (const auto& [rec, line] : parse_records(text, path))
    if (json_number(rec, "step", 0) <= static_cast<double>(keep_up_to_step)) kept.append(line).push_back('\n');
  if (kept != text) write_file_atomic(path, kept);
}

void MetricsLog::write(const Json& record) {
  if (path_.empty()) return;
  const std::string line = record.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError("cannot write " + path_ + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < line.size()) {  // one write() in practice: appends of a line never interleave
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw IoError("cannot write " + path_ + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) throw IoError("cannot write " + path_ + ": " + std::strerror(errno));
}

std::vector<Json> parse_metrics_log(std::string_view text, const std::string& name) {
  std::vector<Json> out;
  for (auto& entry : parse_records(text, name)) out.push_back(std::move(entry.first));
  return out;
}

std::vector<Json> read_metrics_log(const std::string& path) {
  if (!std::filesystem::exists(path)) return {};
  return parse_metrics_log(read_file(path), path);
}

}  // namespace nmt
