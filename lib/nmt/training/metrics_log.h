// metrics.jsonl: one JSON object per line, appended as training goes — a "train" record every
// log interval and a "dev" record per validation (see models/README.md for the fields).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/util/json.h"

namespace nmt {

class MetricsLog {
 public:
  MetricsLog() = default;
  // Opens `path` for appending. With keep_up_to_step >= 0, first drops records whose "step"
  // is larger (written after the checkpoint a resumed run continues from) and torn lines.
  void open(const std::string& path, int64_t keep_up_to_step = -1);
  // Appends one record as one line. Throws IoError naming the file and the reason (e.g. "No
  // space left on device") when it cannot be written.
  void write(const Json& record);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Every well-formed record of a metrics log, in order: a JSON object with a "type" string and
// a "step" number. Any other line is skipped with a warning naming path:line (a run killed
// mid-write leaves a torn last line). A missing file gives no records; an unreadable one is
// an IoError naming it.
std::vector<Json> read_metrics_log(const std::string& path);
// The same for the text of a log; `name` stands for the file in warnings.
std::vector<Json> parse_metrics_log(std::string_view text, const std::string& name);

}  // namespace nmt
