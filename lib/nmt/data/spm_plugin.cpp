// The SentencePiece plugin (libnmt_spm.so): the only code linked against libsentencepiece.
//
// Debian's libsentencepiece embeds its own protobuf-lite, which clashes with the protobuf
// libtorch loads; spm.cpp therefore dlopen()s this module with RTLD_DEEPBIND and talks to
// it through the plain C API below. No C++ exception or allocation crosses the boundary:
// results are written into caller-provided buffers, errors as text into `err`.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#define NMT_SPM_API extern "C" __attribute__((visibility("default")))

namespace {

void set_error(char* err, size_t cap, const std::string& msg) {
  if (!err || cap == 0) return;
  size_t n = std::min(cap - 1, msg.size());
  std::memcpy(err, msg.data(), n);
  err[n] = '\0';
}

// Copies `s` into out[0..cap) (NUL-terminated when it fits); returns the length needed.
long copy_out(const std::string& s, char* out, size_t cap) {
  if (out && cap > s.size()) {
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
  }
  return static_cast<long>(s.size());
}

}  // namespace

// Version of this C API; bumped on any incompatible change.
NMT_SPM_API int nmt_spm_api_version() { return 1; }

// Trains a model. `args` holds one "key=value" per line (SentencePiece trainer flags
// without the leading "--"); the extra key "random_seed" seeds SentencePiece's generator.
// Returns 0 on success, -1 with a message in `err`.
NMT_SPM_API int nmt_spm_train(const char* args, char* err, size_t err_cap) {
  try {
    std::unordered_map<std::string, std::string> kwargs;
    std::istringstream in(args ? args : "");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto eq = line.find('=');
      if (eq == std::string::npos) {
        set_error(err, err_cap, "malformed trainer argument '" + line + "' (expected key=value)");
        return -1;
      }
      std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "random_seed") {
        sentencepiece::SetRandomGeneratorSeed(static_cast<unsigned>(std::stoul(value)));
        continue;
      }
      kwargs[key] = value;
    }
    auto status = sentencepiece::SentencePieceTrainer::Train(kwargs);
    if (!status.ok()) {
      set_error(err, err_cap, status.ToString());
      return -1;
    }
    return 0;
  } catch (const std::exception& e) {
    set_error(err, err_cap, e.what());
    return -1;
  } catch (...) {
    set_error(err, err_cap, "unknown error in SentencePiece training");
    return -1;
  }
}

// Loads a model file; returns an opaque handle, or null with a message in `err`.
NMT_SPM_API void* nmt_spm_load(const char* path, char* err, size_t err_cap) {
  try {
    auto* sp = new sentencepiece::SentencePieceProcessor();
    auto status = sp->Load(path);
    if (!status.ok()) {
      delete sp;
      set_error(err, err_cap, status.ToString());
      return nullptr;
    }
    return sp;
  } catch (const std::exception& e) {
    set_error(err, err_cap, e.what());
    return nullptr;
  } catch (...) {
    set_error(err, err_cap, "unknown error loading SentencePiece model");
    return nullptr;
  }
}

NMT_SPM_API void nmt_spm_free(void* handle) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(handle);
}

NMT_SPM_API int32_t nmt_spm_vocab_size(const void* handle) {
  return static_cast<const sentencepiece::SentencePieceProcessor*>(handle)->GetPieceSize();
}

// Encodes text[0..len) into ids; writes at most `cap` ids to `out` and returns the number
// of ids (call again with a larger buffer when it exceeds `cap`), or -1 on error.
NMT_SPM_API long nmt_spm_encode(const void* handle, const char* text, size_t len, int32_t* out,
                                size_t cap, char* err, size_t err_cap) {
  try {
    thread_local std::vector<int> ids;
    ids.clear();
    auto* sp = static_cast<const sentencepiece::SentencePieceProcessor*>(handle);
    auto status = sp->Encode(absl::string_view(text, len), &ids);
    if (!status.ok()) {
      set_error(err, err_cap, status.ToString());
      return -1;
    }
    if (out && ids.size() <= cap)
      for (size_t i = 0; i < ids.size(); ++i) out[i] = ids[i];
    return static_cast<long>(ids.size());
  } catch (const std::exception& e) {
    set_error(err, err_cap, e.what());
    return -1;
  }
}

// Decodes ids to text into out[0..cap); returns the text length (retry with a larger
// buffer when it does not fit), or -1 on error.
NMT_SPM_API long nmt_spm_decode(const void* handle, const int32_t* ids, size_t n, char* out,
                                size_t cap, char* err, size_t err_cap) {
  try {
    auto* sp = static_cast<const sentencepiece::SentencePieceProcessor*>(handle);
    std::vector<int> v(ids, ids + n);
    std::string text;
    auto status = sp->Decode(v, &text);
    if (!status.ok()) {
      set_error(err, err_cap, status.ToString());
      return -1;
    }
    return copy_out(text, out, cap);
  } catch (const std::exception& e) {
    set_error(err, err_cap, e.what());
    return -1;
  }
}

// The piece string of one id into out[0..cap); returns its length, -1 if out of range.
NMT_SPM_API long nmt_spm_id_to_piece(const void* handle, int32_t id, char* out, size_t cap) {
  auto* sp = static_cast<const sentencepiece::SentencePieceProcessor*>(handle);
  if (id < 0 || id >= sp->GetPieceSize()) return -1;
  return copy_out(sp->IdToPiece(id), out, cap);
}
