// Names for enums: every choice in a config (arch, cell, schedule, ...) is an enum in code and
// a word in YAML. Specialise EnumNames<E> next to the enum:
//
//   template <> struct EnumNames<RnnCell> {
//     static constexpr std::pair<RnnCell, const char*> values[] = {{RnnCell::GRU, "gru"}, ...};
//   };
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace nmt {

template <typename E>
struct EnumNames;  // specialised per enum: static constexpr std::pair<E, const char*> values[]

// The YAML word of `e` ("?" if the table lacks it, which is a bug).
template <typename E>
const char* enum_name(E e) {
  for (const auto& [value, name] : EnumNames<E>::values)
    if (value == e) return name;
  return "?";
}

// The enum named `s`, or nullopt.
template <typename E>
std::optional<E> enum_from_name(std::string_view s) {
  for (const auto& [value, name] : EnumNames<E>::values)
    if (s == name) return value;
  return std::nullopt;
}

// "a|b|c": every name, in table order.
template <typename E>
std::string enum_choices() {
  std::string out;
  for (const auto& [value, name] : EnumNames<E>::values) out += (out.empty() ? "" : "|") + std::string(name);
  return out;
}

}  // namespace nmt
