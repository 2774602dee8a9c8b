// The user-facing decoding settings (a config's `decode:` section, translate's flags, the
// server's request fields), checked in one place: check() lists the problems, and
// validate_decoding_options() throws them. search() validates on entry, so no caller can
// decode with nonsense; the config reader reports the same problems with file:line.
#pragma once
#include <cstdint>
#include <string>

#include "nmt/util/option_check.h"

namespace nmt {

struct DecodingOptions {
  int64_t beam_size = 5;        // 1 = greedy
  int64_t nbest = 1;            // hypotheses returned per sentence (<= beam_size)
  double length_penalty = 0.6;  // GNMT alpha: score / ((5 + len) / 6)^alpha; 0 = none
  double max_len_ratio = 1.5;   // max output tokens = ratio * source length + max_len_const
  int64_t max_len_const = 10;
};

inline OptionProblems check(const DecodingOptions& o) {
  OptionProblems p;
  check_range(p, "beam_size", static_cast<double>(o.beam_size), Range::positive());
  check_range(p, "nbest", static_cast<double>(o.nbest), Range::positive());
  check_range(p, "length_penalty", o.length_penalty, Range::non_negative());
  check_range(p, "max_len_ratio", o.max_len_ratio, Range::positive());
  check_range(p, "max_len_const", static_cast<double>(o.max_len_const), Range::non_negative());
  if (o.nbest > o.beam_size && o.beam_size > 0)
    p.push_back({"nbest", "must be <= beam_size (" + std::to_string(o.nbest) + " > " +
                              std::to_string(o.beam_size) + ")"});
  return p;
}

// Throws ConfigError (exit code 2) naming each bad option, e.g. "decode.nbest: must be <= beam_size (3 > 2)".
inline void validate_decoding_options(const DecodingOptions& o) { throw_if_invalid(check(o), "decode"); }

}  // namespace nmt
