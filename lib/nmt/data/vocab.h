// Fixed special token ids shared by every tokenizer, model and search.
#pragma once
#include <cstdint>

namespace nmt {
constexpr int64_t kPadId = 0;
constexpr int64_t kUnkId = 1;
constexpr int64_t kBosId = 2;
constexpr int64_t kEosId = 3;
constexpr int64_t kNumSpecial = 4;
}  // namespace nmt
