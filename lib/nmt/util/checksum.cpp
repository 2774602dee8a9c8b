#include "nmt/util/checksum.h"

#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "nmt/util/error.h"

namespace nmt {

uint32_t crc32_of(std::string_view bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  const auto* p = reinterpret_cast<const Bytef*>(bytes.data());
  size_t left = bytes.size();
  while (left > 0) {  // zlib takes uInt lengths
    const uInt n = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    crc = ::crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return static_cast<uint32_t>(crc);
}

std::string crc32_hex(uint32_t crc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", crc);
  return buf;
}

namespace {

std::string zip_message(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string m = zip_error_strerror(&e);
  zip_error_fini(&e);
  return m;
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

}  // namespace

void verify_zip(std::string_view bytes, const std::string& path) {
  const std::string truncated = path + " is truncated or not a checkpoint";
  if (bytes.empty()) throw IoError(path + " is empty (truncated or not a checkpoint)");
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (!src) throw IoError("cannot check " + path + ": " + zip_error_strerror(&err));
  std::unique_ptr<zip_t, ZipCloser> za(zip_open_from_source(src, ZIP_RDONLY, &err));
  if (!za) {
    zip_source_free(src);
    const std::string why = zip_error_strerror(&err);
    zip_error_fini(&err);
    throw IoError(truncated + " (" + why + ")");
  }
  zip_error_fini(&err);
  const zip_int64_t n = zip_get_num_entries(za.get(), 0);
  if (n <= 0) throw IoError(truncated + " (no entries)");
  std::vector<char> buf(1 << 16);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(za.get(), static_cast<zip_uint64_t>(i), 0);
    const std::string entry = name ? name : "#" + std::to_string(i);
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen_index(za.get(), static_cast<zip_uint64_t>(i), 0));
    if (!f) throw IoError(path + " is damaged: cannot open entry " + entry + " (" + zip_strerror(za.get()) + ")");
    while (true) {
      const zip_int64_t got = zip_fread(f.get(), buf.data(), buf.size());
      if (got == 0) break;
      if (got < 0) {
        const int code = zip_error_code_zip(zip_file_get_error(f.get()));
        if (code == ZIP_ER_CRC)
          throw IoError(path + " is damaged: checksum mismatch in " + entry + " (the file changed after it was written)");
        throw IoError(path + " is damaged: cannot read entry " + entry + " (" + zip_message(code) + ")");
      }
    }
  }
}

}  // namespace nmt
