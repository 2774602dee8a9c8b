// Fuzz target: the YAML config reader, with --set overrides.
//
// Input: zero or more lines "--set KEY=VALUE" (each one override), then the YAML text.
// Contract:
//  - parse_config_text() returns a Config or throws an nmt::Error (ConfigError/UsageError)
//    with a message; nothing else escapes and nothing crashes;
//  - a config that was accepted is saved as config.yaml by training: to_yaml() of it must
//    read back without problems to the same config (same YAML again).
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "nmt/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = nmt_fuzz::as_text(data, size);
  std::vector<std::string> sets;
  constexpr std::string_view kSet = "--set ";
  while (in.substr(0, kSet.size()) == kSet && sets.size() < 8) {
    size_t nl = in.find('\n');
    if (nl == std::string_view::npos) nl = in.size();
    sets.emplace_back(in.substr(kSet.size(), nl - kSet.size()));
    in.remove_prefix(std::min(in.size(), nl + 1));
  }
  const std::string yaml(in);

  nmt::Config cfg;
  std::string why;
  if (!nmt_fuzz::expect_nmt_errors_only([&] { cfg = nmt::parse_config_text(yaml, "fuzz.yaml", sets); }, &why))
    return 0;

  // Accepted: what training saves must load again, unchanged.
  const std::string saved = nmt::to_yaml(cfg);
  nmt::Config again;
  if (!nmt_fuzz::expect_nmt_errors_only([&] { again = nmt::parse_config_text(saved, "config.yaml"); }, &why))
    nmt_fuzz::fail("the saved config.yaml of an accepted config does not load", why + "\n--- saved:\n" + saved);
  const std::string resaved = nmt::to_yaml(again);
  nmt_fuzz::fuzz_check(resaved == saved, "config.yaml changes when it is read and saved again",
                       "--- first:\n" + saved + "--- second:\n" + resaved);
  return 0;
}
