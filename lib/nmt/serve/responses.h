// JSON answers of the server's routes, built from decoded results (no sockets).
#pragma once
#include <string>
#include <vector>

#include "nmt/serve/batch_queue.h"
#include "nmt/serve/models.h"
#include "nmt/serve/request.h"
#include "nmt/util/json.h"

namespace nmt::serve {

// One text of a request with what the decoder made of it (hyps empty for an empty text).
struct TextResult {
  EncodedSource src;
  SentenceResult result;
};

// LibreTranslate: {"translatedText": s | [s...], "alternatives": [...] | [[...]...] when asked,
// "detectedLanguage": {"confidence": 100, "language": code} (one per text for an array) when
// source was "auto": nmt does not detect languages, it takes the one source language loaded}.
Json libre_translate_json(const ServedModel& m, const TranslateRequest& r, const std::vector<TextResult>& texts,
                                    bool auto_source);

// Native: {"model", "source", "target", "translations": [{"source_tokens", "truncated",
// "hypotheses": [{"text", "score", "tokens"}], "attention": null | {"layers", "heads",
// "source_tokens", "target_tokens", "weights": [L][H][T][S]}}]}.
Json native_translate_json(const ServedModel& m, const std::vector<TextResult>& texts, bool attention);

// GET /languages: [{"code", "name", "targets": [...]}], one entry per source language.
Json languages_json(const Catalog& catalog);

// GET /v1/models: {"models": [{name, arch, parameters, source, target, training, decode,
// attention, ...}], "api_key_required": bool}.
Json models_json(const Catalog& catalog, bool api_key_required);

// {"error": message}
Json error_json(const std::string& message);

}  // namespace nmt::serve
