#include "nmt/util/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "nmt/util/error.h"

namespace nmt {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void io_fail(const std::string& what, const std::string& path, int err) {
  throw IoError(what + " " + path + ": " + std::strerror(err));
}

std::string directory_of(const std::string& path) {
  const fs::path dir = fs::path(path).parent_path();
  return dir.empty() ? std::string(".") : dir.string();
}

std::string temp_name(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const fs::path p(path);
  return (fs::path(directory_of(path)) /
          ("." + p.filename().string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++)))
      .string();
}

// Writes and fsyncs `tmp`; on failure removes it and throws IoError naming `target` (the
// file the user knows), with the system's reason.
void write_synced(const std::string& tmp, const std::string& target, std::string_view bytes) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_fail("cannot write", target, errno);
  auto abandon = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    io_fail(what, target, err);
  };
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) abandon("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) abandon("cannot write (fsync)");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    io_fail("cannot write (close)", target, err);
  }
}

void sync_directory(const std::string& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

AtomicFiles::~AtomicFiles() {
  for (const auto& [tmp, target] : staged_) ::unlink(tmp.c_str());
}

void AtomicFiles::stage(const std::string& path, std::string_view bytes) {
  const std::string tmp = temp_name(path);
  write_synced(tmp, path, bytes);
  staged_.emplace_back(tmp, path);
}

void AtomicFiles::commit() {
  std::set<std::string> dirs;
  while (!staged_.empty()) {
    const auto [tmp, target] = staged_.front();
    if (::rename(tmp.c_str(), target.c_str()) != 0) io_fail("cannot rename a temp file into", target, errno);
    staged_.erase(staged_.begin());
    dirs.insert(directory_of(target));
  }
  for (const auto& d : dirs) sync_directory(d);  // make the renames themselves durable
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFiles f;
  f.stage(path, bytes);
  f.commit();
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) io_fail("cannot read", path, errno);
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      io_fail("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace nmt
