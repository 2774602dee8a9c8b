// The default corpus: Spanish Reina-Valera 1909 → English King James Version, verse-aligned,
// read from the SWORD modules with `diatheke`. Parsing, cleaning and splitting are plain
// functions so they can be tested on fake diatheke output.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nmt {

struct Verse {
  std::string book;  // as diatheke names it, e.g. "I Samuel"
  int chapter = 0, verse = 0;
  std::string text;  // raw (multi-line verses already joined with spaces)
};

// Parses `diatheke -f plain` output: "Book C:V: text" lines; a line indented before the key
// means the non-blank lines just above it are a section heading (dropped); other lines
// without a key continue the previous verse; the trailing "(module)" line is ignored.
std::vector<Verse> parse_diatheke(const std::string& output);

// Strips markup (<...> tags, \nd-style markers), ¶, brackets; normalizes whitespace.
std::string clean_verse(const std::string& text);

struct BibleSplit {
  std::vector<std::string> train_src, train_tgt, dev_src, dev_tgt, test_src, test_tgt;
  int64_t pairs = 0;      // aligned non-empty pairs (k counts these)
  int64_t held_out = 0;   // k % 50 == 41: written nowhere
  int64_t dropped = 0;    // source verses with an empty side or no target verse
};

// Aligns verses by (book, chapter, verse) in the source's order, cleans them, drops pairs
// with an empty side, and splits by index k: k%50==17 test, 33 dev, 41 held out, else train.
BibleSplit split_bible(const std::vector<Verse>& src, const std::vector<Verse>& tgt);

// Runs diatheke for both modules and writes {train,dev,test}.{es,en} into out_dir.
// Throws Error naming the Debian package when diatheke or a module is missing.
BibleSplit write_bible(const std::string& out_dir);

}  // namespace nmt
