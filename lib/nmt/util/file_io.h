// Whole-file reads and atomic writes: the one way nmt writes a file that must never be seen
// half-written (checkpoints, configs, vocabularies, corpora, metrics rewrites).
#pragma once
#include <string>
#include <string_view>

namespace nmt {

// Writes `bytes` to `path` atomically: a temp file in the same directory, fsync, rename,
// fsync of the directory. On any failure the temp file is removed, `path` keeps its old
// content, and IoError names the file and the system's reason (e.g. "No space left on device").
void write_file_atomic(const std::string& path, std::string_view bytes);

// The whole file as bytes. Throws IoError naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace nmt
