#include "nmt/util/logging.h"

#include <algorithm>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "nmt/util/error.h"

namespace nmt {
namespace {
std::shared_ptr<spdlog::sinks::sink> g_console;
std::shared_ptr<spdlog::sinks::sink> g_file;
std::string g_tag;

std::string console_pattern() { return g_tag.empty() ? "[%H:%M:%S] %^%l%$ %v" : "[%H:%M:%S] " + g_tag + " %^%l%$ %v"; }
std::vector<spdlog::sink_ptr> g_extra;

void rebuild() {
  std::vector<spdlog::sink_ptr> sinks;
  if (g_console) sinks.push_back(g_console);
  if (g_file) sinks.push_back(g_file);
  sinks.insert(sinks.end(), g_extra.begin(), g_extra.end());
  auto logger = std::make_shared<spdlog::logger>("nmt", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}
}  // namespace

void setup_logging(const std::string& level) {
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool ok = false;
  for (auto* l : kLevels) ok = ok || level == l;
  if (!ok) throw UsageError("--log-level: expected one of trace|debug|info|warn|error|off, got \"" + level + "\"");
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(spdlog::level::from_str(level));
  console->set_pattern(console_pattern());
  g_console = console;
  rebuild();
}

void set_log_tag(const std::string& tag) {
  g_tag = tag;
  if (g_console) g_console->set_pattern(console_pattern());
}

void add_log_file(const std::string& path) {
  try {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
    file->set_level(spdlog::level::info);
    file->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %l %v");
    g_file = file;
  } catch (const spdlog::spdlog_ex& e) {
    throw IoError("cannot open log file " + path + ": " + e.what());
  }
  rebuild();
}

void remove_log_file() {
  if (g_file) g_file->flush();
  g_file.reset();
  rebuild();
}

}  // namespace nmt

namespace nmt {

void add_log_sink(spdlog::sink_ptr sink) {
  g_extra.push_back(std::move(sink));
  rebuild();
}

void remove_log_sink(const spdlog::sink_ptr& sink) {
  g_extra.erase(std::remove(g_extra.begin(), g_extra.end(), sink), g_extra.end());
  rebuild();
}

}  // namespace nmt
