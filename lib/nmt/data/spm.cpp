// Loads libnmt_spm.so with dlopen(RTLD_DEEPBIND) and wraps its C API.
#include "nmt/data/spm.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <spdlog/spdlog.h>

#include "nmt/util/error.h"

#ifndef NMT_SPM_PLUGIN_NAME
#define NMT_SPM_PLUGIN_NAME "libnmt_spm.so"
#endif

namespace nmt {
namespace {

constexpr size_t kErrCap = 1024;

struct Plugin {
  std::string path;
  int (*api_version)() = nullptr;
  int (*train)(const char*, char*, size_t) = nullptr;
  void* (*load)(const char*, char*, size_t) = nullptr;
  void (*free_model)(void*) = nullptr;
  int32_t (*vocab_size)(const void*) = nullptr;
  long (*encode)(const void*, const char*, size_t, int32_t*, size_t, char*, size_t) = nullptr;
  long (*decode)(const void*, const int32_t*, size_t, char*, size_t, char*, size_t) = nullptr;
  long (*id_to_piece)(const void*, int32_t, char*, size_t) = nullptr;
};

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Directory of the binary or shared library that holds this function's code.
std::string own_directory() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&own_directory), &info) == 0 || !info.dli_fname) return "";
  std::string f = info.dli_fname;
  if (f.find('/') == std::string::npos) {  // the main program, found through argv[0]/PATH
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) return "";
    f.assign(buf, static_cast<size_t>(n));
  }
  auto slash = f.rfind('/');
  return slash == std::string::npos ? std::string(".") : f.substr(0, slash);
}

template <typename F>
void resolve(void* lib, const std::string& path, const char* name, F* fn) {
  void* sym = dlsym(lib, name);
  if (!sym) throw Error("SentencePiece plugin " + path + " lacks symbol " + name);
  *fn = reinterpret_cast<F>(sym);
}

Plugin open_plugin() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("NMT_SPM_PLUGIN"); env && *env) {
    candidates.push_back(env);
  } else {
    std::string dir = own_directory();
    if (!dir.empty()) {
      candidates.push_back(dir + "/" NMT_SPM_PLUGIN_NAME);
      candidates.push_back(dir + "/../lib/" NMT_SPM_PLUGIN_NAME);
      candidates.push_back(dir + "/../lib/x86_64-linux-gnu/" NMT_SPM_PLUGIN_NAME);
    }
  }
  std::string tried;
  for (const auto& c : candidates) {
    tried += "\n  " + c;
    if (!is_file(c)) {
      tried += " (not found)";
      continue;
    }
    void* lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (!lib) {
      const char* e = dlerror();
      tried += std::string(" (") + (e ? e : "dlopen failed") + ")";
      continue;
    }
    Plugin p;
    p.path = c;
    resolve(lib, c, "nmt_spm_api_version", &p.api_version);
    if (p.api_version() != 1) throw Error("SentencePiece plugin " + c + " has an incompatible API version");
    resolve(lib, c, "nmt_spm_train", &p.train);
    resolve(lib, c, "nmt_spm_load", &p.load);
    resolve(lib, c, "nmt_spm_free", &p.free_model);
    resolve(lib, c, "nmt_spm_vocab_size", &p.vocab_size);
    resolve(lib, c, "nmt_spm_encode", &p.encode);
    resolve(lib, c, "nmt_spm_decode", &p.decode);
    resolve(lib, c, "nmt_spm_id_to_piece", &p.id_to_piece);
    spdlog::debug("SentencePiece plugin: {}", c);
    return p;  // the library stays loaded for the life of the process
  }
  throw Error("cannot load the SentencePiece plugin " NMT_SPM_PLUGIN_NAME
              " (set NMT_SPM_PLUGIN to its path); tried:" + (tried.empty() ? std::string(" nothing") : tried));
}

const Plugin& plugin() {
  static std::once_flag once;
  static Plugin p;
  static std::string failure;
  std::call_once(once, [] {
    try {
      p = open_plugin();
    } catch (const Error& e) {
      failure = e.what();
    }
  });
  if (!failure.empty()) throw Error(failure);
  return p;
}

}  // namespace

const std::string& spm_plugin_path() { return plugin().path; }

void spm_train(const std::map<std::string, std::string>& args) {
  std::string text;
  for (const auto& [k, v] : args) {
    if (v.find('\n') != std::string::npos) throw UsageError("SentencePiece option " + k + " contains a newline");
    text += k + "=" + v + "\n";
  }
  char err[kErrCap] = {0};
  if (plugin().train(text.c_str(), err, kErrCap) != 0)
    throw DataError(std::string("SentencePiece training failed: ") + err);
}

SpmModel::SpmModel(const std::string& path) : path_(path) {
  const Plugin& p = plugin();
  char err[kErrCap] = {0};
  handle_ = p.load(path.c_str(), err, kErrCap);
  if (!handle_) throw IoError("cannot load SentencePiece model " + path + ": " + err);
  vocab_size_ = p.vocab_size(handle_);
}

SpmModel::~SpmModel() {
  if (handle_) plugin().free_model(handle_);
}

void SpmModel::encode(std::string_view text, std::vector<int32_t>* ids) const {
  const Plugin& p = plugin();
  char err[kErrCap] = {0};
  if (ids->capacity() < 2 * text.size() + 16) ids->reserve(2 * text.size() + 16);
  ids->resize(ids->capacity());
  long n = p.encode(handle_, text.data(), text.size(), ids->data(), ids->size(), err, kErrCap);
  if (n > static_cast<long>(ids->size())) {
    ids->resize(static_cast<size_t>(n));
    n = p.encode(handle_, text.data(), text.size(), ids->data(), ids->size(), err, kErrCap);
  }
  if (n < 0) throw DataError("SentencePiece encoding failed (" + path_ + "): " + err);
  ids->resize(static_cast<size_t>(n));
}

std::vector<int32_t> SpmModel::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  encode(text, &ids);
  return ids;
}

std::string SpmModel::decode(const std::vector<int32_t>& ids) const {
  const Plugin& p = plugin();
  char err[kErrCap] = {0};
  std::string out(ids.size() * 8 + 16, '\0');
  long n = p.decode(handle_, ids.data(), ids.size(), out.data(), out.size(), err, kErrCap);
  if (n >= static_cast<long>(out.size())) {
    out.assign(static_cast<size_t>(n) + 1, '\0');
    n = p.decode(handle_, ids.data(), ids.size(), out.data(), out.size(), err, kErrCap);
  }
  if (n < 0) throw DataError("SentencePiece decoding failed (" + path_ + "): " + err);
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string SpmModel::piece(int32_t id) const {
  const Plugin& p = plugin();
  char buf[256];
  long n = p.id_to_piece(handle_, id, buf, sizeof(buf));
  if (n < 0) return "<id " + std::to_string(id) + ">";
  if (n >= static_cast<long>(sizeof(buf))) {
    std::string big(static_cast<size_t>(n) + 1, '\0');
    p.id_to_piece(handle_, id, big.data(), big.size());
    big.resize(static_cast<size_t>(n));
    return big;
  }
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace nmt
