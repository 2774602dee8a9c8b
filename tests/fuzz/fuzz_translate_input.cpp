// Fuzz target: the input path of `nmt translate` up to the tokenizer — the filter's line
// reader, the UTF-8 repair, and encoding with SentencePiece through the DEEPBIND plugin (the
// real libnmt_spm.so, found next to this binary) and with the word tokenizer.
//
// Built without AddressSanitizer: ASan refuses dlopen(RTLD_DEEPBIND). UBSan and libFuzzer's
// own crash, leak-free timeout and OOM detection still apply.
//
// Input: byte 0 sets the maximum source length (0..15, 0 = none); the rest is the text that
// arrives on stdin.
// Contract: one line comes out for every line in (split at '\n', one '\r' and a leading BOM
// dropped, an unterminated last line counts); each line, repaired to valid UTF-8, encodes to
// ids inside the vocabulary, truncated exactly when longer than the maximum; decoding and
// piece lookup of those ids never crash.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "fuzz_common.h"
#include "line_reader.h"
#include "nmt/data/tokenizer.h"
#include "nmt/util/utf8.h"

namespace {

using nmt_fuzz::fuzz_check;
namespace fs = std::filesystem;

nmt::Tokenizers g_spm, g_word;

// A small bilingual-looking corpus (accents, punctuation, digits) to train the tokenizers.
void write_training_text(const fs::path& file) {
  static const char* const kWords[] = {"el", "señor", "dijo", "a", "Moisés", "y", "habló", "todo", "pueblo", "de",
                                       "Israel", "¿", "?", "«", "»", "niño", "año", "12", "3,5", "über", "–", "€",
                                       "the", "LORD", "said", "unto", "and", "spake", "people", "children"};
  std::ofstream out(file);
  uint32_t x = 12345;
  for (int line = 0; line < 400; ++line) {
    for (int w = 0; w < 8 + line % 7; ++w) {
      x = x * 1103515245u + 12345u;
      out << (w ? " " : "") << kWords[(x >> 16) % (sizeof kWords / sizeof *kWords)];
    }
    out << (line % 3 ? "." : ";") << "\n";
  }
}

void setup() {
  char tmpl[] = "/tmp/nmt-fuzz-translate-XXXXXX";
  const char* dir = ::mkdtemp(tmpl);
  if (!dir) nmt_fuzz::fail("mkdtemp failed");
  const fs::path d(dir);
  write_training_text(d / "train.txt");
  nmt::FilePair train{(d / "train.txt").string(), (d / "train.txt").string()};
  nmt::TokenizerConfig spm;
  spm.type = nmt::TokenizerType::SentencePiece;
  spm.vocab_size = 80;
  g_spm = nmt::prepare_tokenizers((d / "spm").string(), spm, train);
  nmt::TokenizerConfig word;
  word.type = nmt::TokenizerType::Word;
  word.vocab_size = 40;
  g_word = nmt::prepare_tokenizers((d / "word").string(), word, train);
  std::error_code ec;
  fs::remove_all(d, ec);  // the tokenizers are loaded; the files are no longer needed
}

size_t expected_lines(std::string_view t) {
  size_t n = 0;
  for (char c : t) n += c == '\n';
  return n + (!t.empty() && t.back() != '\n');
}

void check_encoding(const nmt::Tokenizer& tok, const std::string& line, int64_t max_len) {
  const nmt::SourceIds full = nmt::encode_source(tok, line, 0);
  fuzz_check(!full.truncated, "truncated without a limit");
  for (int32_t id : full.ids) fuzz_check(id >= 0 && id < tok.vocab_size(), "an id outside the vocabulary");
  const nmt::SourceIds cut = nmt::encode_source(tok, line, max_len);
  const bool longer = max_len > 0 && static_cast<int64_t>(full.ids.size()) > max_len;
  fuzz_check(cut.truncated == longer, "truncated flag wrong");
  fuzz_check(cut.ids.size() == (longer ? static_cast<size_t>(max_len) : full.ids.size()), "wrong truncated length");
  const std::string text = tok.decode(cut.ids);
  fuzz_check(nmt::valid_utf8(text) || &tok == g_word.src.get(), "decoded text is not valid UTF-8");
  fuzz_check(tok.pieces(cut.ids).size() == cut.ids.size(), "one piece per id");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::warn);
  try {
    setup();
  } catch (const std::exception& e) {
    nmt_fuzz::fail("setup failed (is libnmt_spm.so next to the binary, or NMT_SPM_PLUGIN set?)", e.what());
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int64_t max_len = data[0] % 16;
  const std::string_view input = nmt_fuzz::as_text(data + 1, size - 1);
  const int fd = ::memfd_create("stdin", MFD_CLOEXEC);
  if (fd < 0) nmt_fuzz::fail("memfd_create failed");
  if (!input.empty() && ::write(fd, input.data(), input.size()) != static_cast<ssize_t>(input.size()))
    nmt_fuzz::fail("write to memfd failed");
  ::lseek(fd, 0, SEEK_SET);

  nmt::cli::LineReader reader(fd);
  std::string line;
  size_t count = 0;
  const bool bom = input.substr(0, nmt::kUtf8Bom.size()) == nmt::kUtf8Bom;
  while (reader.next(&line, /*block=*/count % 2 == 0)) {
    fuzz_check(line.find('\n') == std::string::npos, "a line holds a newline");
    if (count == 0 && bom) fuzz_check(line.compare(0, 3, nmt::kUtf8Bom) != 0 || input.substr(3, 3) == nmt::kUtf8Bom,
                                      "the byte-order mark was not dropped");
    ++count;
    if (!nmt::valid_utf8(line)) line = nmt::sanitize_utf8(line);
    check_encoding(*g_spm.src, line, max_len);
    check_encoding(*g_word.src, line, max_len);
  }
  ::close(fd);
  const size_t expected = expected_lines(bom ? input.substr(3) : input);
  fuzz_check(count == expected, "not one line out per line in",
             std::to_string(count) + " lines read, " + std::to_string(expected) + " expected");
  return 0;
}
