// Range and consistency checks of option structs, written once and used twice: by the config
// reader (which adds the YAML key's file:line) and by code that receives the options directly
// (model constructors, search), which throws. CTranslate2's validate_decoding_options is the model.
#pragma once
#include <sstream>
#include <string>
#include <vector>

#include "nmt/util/error.h"

namespace nmt {

struct OptionProblem {
  std::string key;      // the option's key within its section, e.g. "heads"
  std::string message;  // e.g. "must divide d_model (32 % 5 = 2)"
};
using OptionProblems = std::vector<OptionProblem>;

// Formats a number the way error messages show it (no trailing zeros).
inline std::string option_number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// A per-key range rule, declared next to the key (config field tables, option checks).
struct Range {
  enum class Kind { Any, Positive, NonNegative, AtLeast, Probability, OpenUnit, UnitInterval };
  Kind kind = Kind::Any;
  double bound = 0;  // AtLeast only

  static Range any() { return {}; }
  static Range positive() { return {Kind::Positive}; }         // > 0
  static Range non_negative() { return {Kind::NonNegative}; }  // >= 0
  static Range at_least(double b) { return {Kind::AtLeast, b}; }
  static Range probability() { return {Kind::Probability}; }   // [0, 1)
  static Range open_unit() { return {Kind::OpenUnit}; }        // (0, 1)
  static Range unit_interval() { return {Kind::UnitInterval}; }  // (0, 1]
};

// "" when `v` lies in `r`, else why not: "must be > 0, got -1".
inline std::string range_problem(double v, const Range& r) {
  using K = Range::Kind;
  const std::string got = ", got " + option_number(v);
  switch (r.kind) {
    case K::Any: return "";
    case K::Positive: return v > 0 ? "" : "must be > 0" + got;
    case K::NonNegative: return v >= 0 ? "" : "must be >= 0" + got;
    case K::AtLeast: return v >= r.bound ? "" : "must be >= " + option_number(r.bound) + got;
    case K::Probability: return v >= 0 && v < 1 ? "" : "must be in [0, 1)" + got;
    case K::OpenUnit: return v > 0 && v < 1 ? "" : "must be in (0, 1)" + got;
    case K::UnitInterval: return v > 0 && v <= 1 ? "" : "must be in (0, 1]" + got;
  }
  return "";
}

// Adds a problem for `key` when `v` is outside `r`.
inline void check_range(OptionProblems& problems, const std::string& key, double v, const Range& r) {
  std::string m = range_problem(v, r);
  if (!m.empty()) problems.push_back({key, std::move(m)});
}

// Throws ConfigError (exit code 2) listing every problem as "<section>.<key>: <message>".
inline void throw_if_invalid(const OptionProblems& problems, const std::string& section) {
  if (problems.empty()) return;
  std::vector<std::string> lines;
  for (const auto& p : problems) lines.push_back((section.empty() ? "" : section + ".") + p.key + ": " + p.message);
  throw ConfigError(lines);
}

}  // namespace nmt
