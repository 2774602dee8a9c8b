// Fuzz target: the metrics-log (JSON lines) reader behind `nmt compare`, reports and resume.
//
// Input: the text of a metrics.jsonl file.
// Contract: parse_metrics_log() never throws and never crashes; every record it returns is a
// JSON object with a "type" string and a "step" number (what its readers rely on), and
// json_number() of any key is finite or the default; records dump back to JSON.
#include <cmath>
#include <cstdint>
#include <string>

#include <spdlog/spdlog.h>

#include "fuzz_common.h"
#include "nmt/training/metrics_log.h"
#include "nmt/util/json.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // the reader warns about every bad line
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = nmt_fuzz::as_text(data, size);
  std::vector<nmt::Json> recs;
  try {
    recs = nmt::parse_metrics_log(text, "metrics.jsonl");
  } catch (const std::exception& e) {
    nmt_fuzz::fail("parse_metrics_log threw", e.what());
  }
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  nmt_fuzz::fuzz_check(recs.size() <= lines + 1, "more records than lines");
  for (const nmt::Json& rec : recs) {
    nmt_fuzz::fuzz_check(rec.is_object(), "a record that is not an object");
    nmt_fuzz::fuzz_check(rec.value("type", std::string()) == rec.at("type").get<std::string>(), "type is not a string");
    nmt_fuzz::fuzz_check(rec.at("step").is_number(), "step is not a number");
    for (const char* key : {"step", "wall", "loss", "bleu", "chrf", "tokens_per_s", "peak_rss_mib"}) {
      const double v = nmt::json_number(rec, key, -1.0);
      nmt_fuzz::fuzz_check(std::isfinite(v) || v == -1.0 || std::isinf(v), "json_number returned NaN", key);
    }
    try {
      (void)rec.dump(-1, ' ', false, nmt::Json::error_handler_t::replace);
    } catch (const std::exception& e) {
      nmt_fuzz::fail("a record does not dump back to JSON", e.what());
    }
  }
  return 0;
}
