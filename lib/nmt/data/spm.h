// SentencePiece through the dlopen'ed plugin libnmt_spm.so (see spm_plugin.cpp for why).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nmt {

// Path of the plugin this process uses, loading it on first call (once per process).
// Search order: $NMT_SPM_PLUGIN; next to the binary or library holding libnmt's code, then
// ../lib and ../lib/x86_64-linux-gnu from there. Throws Error naming every path tried.
const std::string& spm_plugin_path();

// Trains a SentencePiece model; `args` are trainer flags without "--" (e.g. {"input", "a,b"},
// {"model_prefix", "/dir/spm"}); the key "random_seed" seeds the trainer. Throws DataError.
void spm_train(const std::map<std::string, std::string>& args);

// One loaded SentencePiece model.
class SpmModel {
 public:
  explicit SpmModel(const std::string& path);  // throws IoError if it cannot be loaded
  ~SpmModel();
  SpmModel(const SpmModel&) = delete;
  SpmModel& operator=(const SpmModel&) = delete;

  std::vector<int32_t> encode(std::string_view text) const;
  void encode(std::string_view text, std::vector<int32_t>* ids) const;  // reuses *ids
  std::string decode(const std::vector<int32_t>& ids) const;
  std::string piece(int32_t id) const;
  int64_t vocab_size() const { return vocab_size_; }
  const std::string& path() const { return path_; }

 private:
  void* handle_ = nullptr;
  std::string path_;
  int64_t vocab_size_ = 0;
};

}  // namespace nmt
