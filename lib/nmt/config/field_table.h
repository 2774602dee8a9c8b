// One table per config section: each key once, with its member and its range, driving reading
// (typed, with dotted-path errors), writing (to_yaml) and the per-key checks. Cross-field rules
// live in the section's check() (see models/options.h, decoding/decoding_options.h, config.cpp).
//
//   static const FieldTable<TrainConfig> t = FieldTable<TrainConfig>()
//       .add("max_steps", &TrainConfig::max_steps, Range::non_negative())
//       .add("optimizer", &TrainConfig::optimizer);               // an enum: one of its names
//   TORCH_ARG options work through their accessor: .add("d_model", &TransformerOptions::d_model)
#pragma once
#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "nmt/config/yaml_reader.h"
#include "nmt/util/enum_names.h"
#include "nmt/util/option_check.h"

namespace nmt {

template <typename S>
class FieldTable {
 public:
  // A plain struct member (of S or of a base of S).
  template <typename T, typename B, typename = std::enable_if_t<!std::is_function_v<T> && std::is_base_of_v<B, S>>>
  FieldTable& add(const char* key, T B::*member, Range range = {}) {
    return add_field<T>(key, [member](S& s) -> T& { return s.*member; }, range);
  }
  // A TORCH_ARG option, through its `T& name()` accessor.
  template <typename T>
  FieldTable& add(const char* key, T& (S::*accessor)() noexcept, Range range = {}) {
    return add_field<T>(key, [accessor](S& s) -> T& { return (s.*accessor)(); }, range);
  }

  // Reads every key of the table from `r` into `s` (absent keys keep their defaults) and
  // records type and range problems. The caller calls r.done() after any extra keys.
  void read(Reader& r, S& s) const {
    for (const auto& f : fields_) f.read(r, s);
  }
  // Writes every key with its value, in table order.
  void write(YAML::Emitter& e, const S& s) const {
    for (const auto& f : fields_) f.write(e, const_cast<S&>(s));  // accessors only read here
  }

 private:
  struct Field {
    std::function<void(Reader&, S&)> read;
    std::function<void(YAML::Emitter&, S&)> write;
  };

  template <typename T, typename Access>
  FieldTable& add_field(const char* key, Access access, Range range) {
    Field f;
    f.read = [key, access, range](Reader& r, S& s) {
      T& value = access(s);
      if constexpr (std::is_enum_v<T>) {
        std::vector<std::string> names;
        for (const auto& entry : EnumNames<T>::values) names.emplace_back(entry.second);
        value = *enum_from_name<T>(r.choice(key, names, enum_name(value)));
      } else {
        value = r.opt<T>(key, value);
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
          const std::string problem = range_problem(static_cast<double>(value), range);
          if (!problem.empty()) r.problem(key, problem);
        }
      }
    };
    f.write = [key, access](YAML::Emitter& e, S& s) {
      const T& value = access(s);
      e << YAML::Key << key << YAML::Value;
      if constexpr (std::is_enum_v<T>) e << enum_name(value);
      else e << value;
    };
    fields_.push_back(std::move(f));
    return *this;
  }

  std::vector<Field> fields_;
};

// Records each problem of a section's check() against its key in `r` (with file:line).
inline void report(Reader& r, const OptionProblems& problems) {
  for (const auto& p : problems) r.problem(p.key, p.message);
}

}  // namespace nmt
