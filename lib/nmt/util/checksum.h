// Integrity checks for the files nmt saves: CRC-32 of bytes, and a full check of a zip
// archive (LibTorch checkpoints are zip archives whose every entry carries the CRC-32 of its
// data, written by LibTorch but never checked when it loads them).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace nmt {

// CRC-32 (zlib's, the one zip uses) of `bytes`.
uint32_t crc32_of(std::string_view bytes);

// "0x1a2b3c4d"
std::string crc32_hex(uint32_t crc);

// Checks that `bytes` is a complete zip archive and that the data of every entry matches
// its recorded CRC-32. Throws IoError naming `path`: "... is truncated or not a checkpoint"
// or "... is damaged: checksum mismatch in <entry>".
void verify_zip(std::string_view bytes, const std::string& path);

}  // namespace nmt
