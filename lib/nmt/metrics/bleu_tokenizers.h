// sacreBLEU's tokenizers, re-implemented: none, 13a (mteval-v13a), intl (mteval-v14
// international) and char. No torch dependency.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace nmt {

// The sacreBLEU release whose scores and signatures bleu.cpp/chrf.cpp reproduce.
inline constexpr const char* kSacrebleuVersion = "2.4.0";

// The tokenized line: tokens separated by single spaces, as sacreBLEU returns it.
// name: none | 13a | intl | char. Throws UsageError for another name.
std::string bleu_tokenize(std::string_view line, const std::string& name);

// Throws UsageError unless `name` is one of the tokenizers above.
void check_bleu_tokenizer(const std::string& name);

}  // namespace nmt
