// Whole-file reads and atomic writes: the one way nmt writes a file that must never be seen
// half-written (checkpoints, configs, vocabularies, corpora, metrics rewrites).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nmt {

// Writes `bytes` to `path` atomically: a temp file in the same directory, fsync, rename,
// fsync of the directory. On any failure the temp file is removed, `path` keeps its old
// content, and IoError names the file and the system's reason (e.g. "No space left on device").
void write_file_atomic(const std::string& path, std::string_view bytes);

// Several files that must change together (last.pt + train_state.pt): stage() writes and
// fsyncs each under a temp name; commit() renames them all into place only after every
// stage() succeeded. A failed stage() (disk full, file too large, read-only directory)
// throws IoError naming the file, and the destructor removes every temp file: no target has
// changed. Only a crash between two renames of commit() can leave a mix; readers that care
// (checkpoint.cpp) detect it with a checksum.
class AtomicFiles {
 public:
  AtomicFiles() = default;
  AtomicFiles(const AtomicFiles&) = delete;
  AtomicFiles& operator=(const AtomicFiles&) = delete;
  ~AtomicFiles();
  void stage(const std::string& path, std::string_view bytes);
  void commit();

 private:
  std::vector<std::pair<std::string, std::string>> staged_;  // (temp file, target)
};

// The whole file as bytes. Throws IoError naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace nmt
