// HTTP request bodies → typed requests, as pure functions (no sockets, no model), so they
// can be unit-tested and fuzzed on their own. Every problem is a RequestError with the HTTP
// status to answer (400 for bad input) and a message naming the field.
//
// LibreTranslate API (POST /translate), JSON or form fields:
//   q            a string, or an array of strings (the answer then holds an array)
//   source       language code, or "auto" (resolved later against the loaded models)
//   target       language code
//   format       "text" (the only format nmt translates)
//   alternatives int >= 0: extra hypotheses per sentence, from the n-best list
//   api_key      checked by the server when it runs with --api-keys
// Unknown fields are ignored, as LibreTranslate does.
//
// Native API (POST /v1/translate), JSON only, unknown fields rejected:
//   {"text": "..." | ["...", ...], "source", "target", "beam_size", "nbest",
//    "length_penalty", "attention": bool, "api_key"}
// beam_size/nbest/length_penalty are checked here for type and the server's caps; the rules of
// decoding itself (nbest <= beam_size, ...) are validate_decoding_options()'s, in the server.
//
// Explain (GET /v1/explain?...), query parameters, unknown ones rejected:
//   text (one sentence), model (a loaded model's name; optional with one model), step (1-based
//   output position to show in full; 0 or absent: every step briefly), layer, head (-1: last
//   layer / every head), api_key
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nmt::serve {

struct RequestError {
  int status = 400;
  std::string message;
};

// Per-request limits, from the server's options.
struct RequestLimits {
  size_t char_limit = 20000;    // code points over all texts of one request (--char-limit)
  size_t max_sentences = 256;   // texts in one request
  int64_t max_alternatives = 16;
  int64_t max_beam = 64;
};

struct TranslateRequest {      // LibreTranslate
  std::vector<std::string> texts;
  bool array = false;          // q was an array: answer with arrays
  std::string source, target;  // as given ("auto" allowed for source)
  std::string format = "text";
  int64_t alternatives = 0;
  std::string api_key;
};

struct NativeRequest {         // POST /v1/translate
  std::vector<std::string> texts;
  std::string source, target;  // optional when only one model is loaded
  std::optional<int64_t> beam_size, nbest;
  std::optional<double> length_penalty;
  bool attention = false;
  std::string api_key;
};

struct ExplainQuery {          // GET /v1/explain
  std::string text;
  std::string model;           // empty: the only model loaded
  int64_t step = 0, layer = -1, head = -1;
  std::string api_key;
};

template <typename T>
using Parsed = std::variant<T, RequestError>;

// content_type: the request's Content-Type header (may carry "; charset=..."). JSON
// (application/json) and URL-encoded forms are read here; a form whose body is a JSON object
// (curl -d '{...}' without a Content-Type) is read as JSON.
Parsed<TranslateRequest> parse_translate_request(std::string_view content_type, std::string_view body,
                                                 const RequestLimits& limits);
// The same from fields the HTTP layer already split (multipart/form-data).
Parsed<TranslateRequest> translate_request_from_fields(const std::multimap<std::string, std::string>& fields,
                                                       const RequestLimits& limits);
Parsed<NativeRequest> parse_native_request(std::string_view content_type, std::string_view body,
                                           const RequestLimits& limits);

// Query parameters (parse_form of the query string: "+" is a space, as browsers send it) → an
// explain request. Ranges that depend on the model (step past the end, a layer or head it
// lacks) are checked by nmt::explain().
Parsed<ExplainQuery> parse_explain_query(const std::multimap<std::string, std::string>& params,
                                         const RequestLimits& limits);

// A piece of client input quoted in an error message: repaired to valid UTF-8 and cut to at
// most `max_chars` code points (never inside a character).
std::string excerpt(std::string_view input, size_t max_chars);

// application/x-www-form-urlencoded → fields (percent- and '+'-decoding), in order.
std::multimap<std::string, std::string> parse_form(std::string_view body);

}  // namespace nmt::serve
