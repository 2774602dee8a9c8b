// Tokenizers: text ↔ ids, with the fixed special ids of vocab.h (pad 0, unk 1, bos 2, eos 3).
//
// Two kinds: SentencePiece (through the dlopen'ed plugin, see spm.h) and "word"
// (whitespace-separated symbols, for synthetic tasks). A model directory stores them as
// spm.model / vocab.txt (joint) or spm.{src,tgt}.model / vocab.{src,tgt}.txt.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nmt/config/config.h"

namespace nmt {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Ids without BOS/EOS. Unknown symbols map to kUnkId.
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  // Text from ids; special ids (pad/bos/eos) are skipped.
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
  // One display string per id (for attention heatmap labels).
  virtual std::vector<std::string> pieces(const std::vector<int32_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
};

struct Tokenizers {
  std::shared_ptr<Tokenizer> src;
  std::shared_ptr<Tokenizer> tgt;  // same object as src when joint
};

// The tokenizer file names a model directory holds for `cfg` (spm.model, vocab.src.txt, ...).
std::vector<std::string> tokenizer_files(const TokenizerConfig& cfg);

// Loads the tokenizer(s) stored in `model_dir` according to `cfg`. Throws IoError if missing.
Tokenizers load_tokenizers(const std::string& model_dir, const TokenizerConfig& cfg);

// Trains tokenizer(s) from the training files into `model_dir` (if not already there) and
// loads them. Throws DataError on unreadable input.
Tokenizers prepare_tokenizers(const std::string& model_dir, const TokenizerConfig& cfg,
                              const FilePair& train);

}  // namespace nmt
