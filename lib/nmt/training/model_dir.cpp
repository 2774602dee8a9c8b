#include "nmt/training/model_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nmt/models/factory.h"
#include "nmt/training/checkpoint.h"
#include "nmt/util/error.h"

namespace nmt {
namespace fs = std::filesystem;

namespace {
[[noreturn]] void io_fail(const std::string& what, const std::string& path) {
  throw IoError(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  static std::atomic<uint64_t> counter{0};
  fs::path p(path);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::string tmp = (dir / ("." + p.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                            std::to_string(counter++)))
                        .string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_fail("cannot create", tmp);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = err;
      io_fail("cannot write", tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    errno = err;
    io_fail("cannot fsync", tmp);
  }
  if (::close(fd) != 0) io_fail("cannot close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    errno = err;
    io_fail("cannot rename into", path);
  }
  // Make the rename itself durable.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

LoadedModel load_model_dir(const std::string& dir, const torch::Device& device, const std::string& which) {
  if (!fs::is_directory(dir)) throw IoError("model directory " + dir + " does not exist");
  const fs::path d(dir);
  const fs::path cfg_path = d / "config.yaml";
  if (!fs::exists(cfg_path)) throw IoError("model directory " + dir + " has no config.yaml");

  std::string weights;
  if (which == "best") {
    weights = fs::exists(d / "best.pt") ? (d / "best.pt").string() : (d / "last.pt").string();
  } else if (which == "last") {
    weights = (d / "last.pt").string();
  } else {
    throw UsageError("which weights: expected best or last, got \"" + which + "\"");
  }
  if (!fs::exists(weights))
    throw IoError("model directory " + dir + " has no " + (which == "best" ? "best.pt or last.pt" : "last.pt") +
                  " (has training run long enough to save a checkpoint?)");

  LoadedModel out;
  out.config = parse_config_text(read_file(cfg_path.string()), cfg_path.string());
  out.tokenizers = load_tokenizers(dir, out.config.tokenizer);
  out.model = make_model(out.config.model, out.tokenizers.src->vocab_size(), out.tokenizers.tgt->vocab_size());
  out.model->to(device);
  load_weights(*out.model, weights, device);
  out.model->eval();
  out.weights = weights;
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError("read failed: " + path);
  return ss.str();
}

}  // namespace nmt
