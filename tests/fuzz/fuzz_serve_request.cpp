// Fuzz target: nmt serve's request parsing (lib/nmt/serve/request.h) — the LibreTranslate
// body (JSON, URL-encoded form, or a form's fields), the native API's JSON body and the
// explain endpoint's query parameters: everything a client sends before a model is involved.
//
// Input: byte 0 picks the entry point (bits 0-1) and the Content-Type header (bits 2-4); the
// rest is the request body (or the query string, for the field and explain entry points).
// Contract: the parser answers every input with a request or a RequestError — it never
// throws (an exception would reach the client as a 500 instead of a 400 naming the field),
// never crashes. An error has status 400 and a non-empty, valid UTF-8 message. A request
// keeps the limits: at least one text, at most max_sentences texts and char_limit code points,
// every text and language code valid UTF-8, a single text not blank, numbers in their ranges.
#include <cmath>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "nmt/serve/request.h"
#include "nmt/util/utf8.h"

namespace {

using nmt_fuzz::fuzz_check;
using namespace nmt::serve;

// Small limits, so inputs reach them.
const RequestLimits kLimits{/*char_limit=*/64, /*max_sentences=*/4, /*max_alternatives=*/3, /*max_beam=*/8};

const char* const kContentTypes[] = {"application/json",
                                     "application/json; charset=utf-8",
                                     "application/x-www-form-urlencoded",
                                     "",
                                     "text/plain",
                                     "APPLICATION/X-WWW-FORM-URLENCODED ; charset=latin1",
                                     "multipart/form-data; boundary=x",
                                     "application/\xff"};

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n\f\v") == std::string::npos; }

void check_texts(const std::vector<std::string>& texts, bool array) {
  fuzz_check(!texts.empty(), "a request without texts");
  fuzz_check(texts.size() <= kLimits.max_sentences, "more texts than max_sentences");
  size_t chars = 0;
  for (const auto& t : texts) {
    fuzz_check(nmt::valid_utf8(t), "a text that is not valid UTF-8");
    chars += nmt::utf8_length(t);
  }
  fuzz_check(chars <= kLimits.char_limit, "more characters than char_limit");
  if (!array) fuzz_check(texts.size() == 1 && !blank(texts[0]), "a single text that is blank");
}

template <typename T>
const T* result_of(const Parsed<T>& p) {
  if (const auto* e = std::get_if<RequestError>(&p)) {
    fuzz_check(e->status == 400, "an error that is not a 400", std::to_string(e->status));
    fuzz_check(!e->message.empty(), "an error without a message");
    fuzz_check(nmt::valid_utf8(e->message), "an error message that is not valid UTF-8", e->message);
    return nullptr;
  }
  return &std::get<T>(p);
}

void check(const Parsed<TranslateRequest>& p) {
  const TranslateRequest* r = result_of(p);
  if (!r) return;
  check_texts(r->texts, r->array);
  fuzz_check(!r->source.empty() && !r->target.empty(), "source or target missing");
  fuzz_check(nmt::valid_utf8(r->source) && nmt::valid_utf8(r->target) && nmt::valid_utf8(r->api_key),
             "a language code or key that is not valid UTF-8");
  fuzz_check(r->format == "text", "a format other than text accepted");
  fuzz_check(r->alternatives >= 0 && r->alternatives <= kLimits.max_alternatives, "alternatives out of range");
}

void check(const Parsed<NativeRequest>& p) {
  const NativeRequest* r = result_of(p);
  if (!r) return;
  check_texts(r->texts, true);
  for (const auto& v : {r->beam_size, r->nbest})
    fuzz_check(!v || (*v >= 1 && *v <= kLimits.max_beam), "beam_size or nbest out of range");
  fuzz_check(!r->length_penalty || std::isfinite(*r->length_penalty), "a length penalty that is not finite");
}

void check(const Parsed<ExplainQuery>& p) {
  const ExplainQuery* q = result_of(p);
  if (!q) return;
  check_texts({q->text}, false);
  fuzz_check(nmt::valid_utf8(q->model), "a model name that is not valid UTF-8");
  fuzz_check(q->step >= 0 && q->layer >= -1 && q->head >= -1, "step, layer or head out of range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view content_type = kContentTypes[(data[0] >> 2) % 8];
  const std::string_view body = nmt_fuzz::as_text(data + 1, size - 1);
  try {
    switch (data[0] & 3) {
      case 0: check(parse_translate_request(content_type, body, kLimits)); break;
      case 1: check(parse_native_request(content_type, body, kLimits)); break;
      case 2: check(translate_request_from_fields(parse_form(body), kLimits)); break;
      case 3: check(parse_explain_query(parse_form(body), kLimits)); break;
    }
  } catch (const std::exception& e) {
    nmt_fuzz::fail("request parsing threw instead of answering a RequestError", e.what());
  }
  return 0;
}
