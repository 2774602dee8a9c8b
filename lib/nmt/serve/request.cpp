// Request parsing for the LibreTranslate and native APIs: bytes in, typed request or a
// RequestError out. No sockets and no model, so a fuzzer can drive it directly.
#include "nmt/serve/request.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "nmt/util/error.h"
#include "nmt/util/json.h"
#include "nmt/util/utf8.h"

namespace nmt::serve {
namespace {

RequestError bad(std::string message) { return {400, std::move(message)}; }

// "application/json; charset=utf-8" → "application/json"
std::string media_type(std::string_view content_type) {
  std::string t(content_type.substr(0, content_type.find(';')));
  t.erase(std::remove_if(t.begin(), t.end(), [](unsigned char c) { return std::isspace(c); }), t.end());
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t;
}

bool looks_like_json_object(std::string_view body) {
  size_t i = 0;
  while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
  return i < body.size() && body[i] == '{';
}

size_t code_points(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

std::optional<RequestError> check_utf8(std::string_view s, const std::string& what) {
  size_t at = 0;
  if (valid_utf8(s, &at)) return std::nullopt;
  return bad(what + " is not valid UTF-8 (invalid byte sequence at byte " + std::to_string(at) + ")");
}

// The body as a JSON object, or why not.
Parsed<Json> parse_object(std::string_view body) {
  if (body.empty()) return bad("the request body is empty; expected a JSON object");
  if (auto e = check_utf8(body, "the request body")) return *e;
  Json j;
  try {
    j = parse_json(std::string(body), "the request body");
  } catch (const IoError& e) {
    // "the request body: malformed JSON: [json.exception.parse_error.101] parse error at ..."
    std::string what = e.what();
    const size_t tag = what.find("[json.exception.");
    if (tag != std::string::npos && what.find("] ", tag) != std::string::npos)
      what.erase(tag, what.find("] ", tag) + 2 - tag);
    // nlohmann quotes the bytes it last read, which may end inside a UTF-8 character.
    return bad(excerpt(what, 400));
  }
  if (!j.is_object()) return bad(std::string("the request body must be a JSON object, got ") + j.type_name());
  return j;
}

// q / text: a string or an array of strings, within the limits.
std::optional<RequestError> read_texts(const Json& v, const std::string& key, const RequestLimits& limits,
                                       std::vector<std::string>* texts, bool* array) {
  texts->clear();
  *array = v.is_array();
  if (v.is_string()) {
    if (blank(v.get_ref<const std::string&>())) return bad(key + " is empty: give the text to translate");
    texts->push_back(v.get<std::string>());
  } else if (v.is_array()) {
    if (v.empty()) return bad(key + " is an empty array: give at least one text to translate");
    if (v.size() > limits.max_sentences)
      return bad(key + " has " + std::to_string(v.size()) + " texts; this server takes at most " +
                 std::to_string(limits.max_sentences) + " per request");
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string())
        return bad(key + "[" + std::to_string(i) + "] must be a string, got " + v[i].type_name());
      texts->push_back(v[i].get<std::string>());
    }
  } else {
    return bad(key + " must be a string or an array of strings, got " + v.type_name());
  }
  size_t chars = 0;
  for (size_t i = 0; i < texts->size(); ++i) {
    // Form fields are percent-decoded bytes: they may be invalid UTF-8 (JSON strings cannot).
    if (auto e = check_utf8((*texts)[i], *array ? key + "[" + std::to_string(i) + "]" : key)) return e;
    chars += code_points((*texts)[i]);
  }
  if (chars > limits.char_limit)
    return bad(key + " has " + std::to_string(chars) + " characters; this server's limit is " +
               std::to_string(limits.char_limit) + " per request");
  return std::nullopt;
}

std::optional<RequestError> read_string(const Json& obj, const std::string& key, std::string* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return bad(key + " must be a string, got " + it->type_name());
  *out = it->get<std::string>();
  if (auto e = check_utf8(*out, key)) return e;
  return std::nullopt;
}

// An integer in [lo, hi]; form fields arrive as strings of digits.
std::optional<RequestError> read_int(const Json& obj, const std::string& key, int64_t lo, int64_t hi,
                                     std::optional<int64_t>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  int64_t v = 0;
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(hi)) v = hi + 1;
    else v = it->get<int64_t>();
  } else if (it->is_string() && !it->get_ref<const std::string&>().empty() &&
             it->get_ref<const std::string&>().size() < 10 &&
             std::all_of(it->get_ref<const std::string&>().begin(), it->get_ref<const std::string&>().end(),
                         [](unsigned char c) { return std::isdigit(c); })) {
    v = std::stoll(it->get<std::string>());
  } else {
    return bad(key + " must be an integer, got " + (it->is_string() ? "\"" + excerpt(it->get_ref<const std::string&>(), 40) + "\""
                                                                     : std::string(it->type_name())));
  }
  if (v < lo || v > hi)
    return bad(key + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
               std::to_string(v));
  *out = v;
  return std::nullopt;
}

// The first key of `obj` that is not in `known`, as an error listing the valid ones.
std::optional<RequestError> unknown_key(const Json& obj, const std::vector<std::string>& known, const std::string& what) {
  for (const auto& item : obj.items()) {
    if (std::find(known.begin(), known.end(), item.key()) != known.end()) continue;
    std::string valid;
    for (const auto& f : known) valid += (valid.empty() ? "" : ", ") + f;
    return bad("unknown " + what + " \"" + excerpt(item.key(), 40) + "\"; valid " + what + "s: " + valid);
  }
  return std::nullopt;
}

// Fields split by the HTTP layer (bytes, possibly invalid UTF-8) as a JSON object of strings:
// a repeated `array_key` becomes an array, other keys take their first value.
Parsed<Json> object_from_fields(const std::multimap<std::string, std::string>& fields, const std::string& array_key) {
  Json obj = Json::object();
  for (const auto& [key, value] : fields) {
    if (auto e = check_utf8(key, "a field name")) return *e;
    if (key == array_key && fields.count(key) > 1) obj[key].push_back(value);
    else if (!obj.contains(key)) obj[key] = value;
  }
  return obj;
}

// A layer or head: -1 (the default choice) or an index 0..1000; query parameters are strings.
std::optional<RequestError> read_signed_index(const Json& obj, const std::string& key, std::optional<int64_t>* out) {
  auto it = obj.find(key);
  if (it != obj.end() && it->is_string() && it->get_ref<const std::string&>() == "-1") {
    *out = -1;
    return std::nullopt;
  }
  return read_int(obj, key, 0, 1000, out);
}

Parsed<TranslateRequest> translate_from_object(const Json& obj, const RequestLimits& limits) {
  TranslateRequest r;
  auto q = obj.find("q");
  if (q == obj.end() || q->is_null()) return bad("Invalid request: missing q parameter");
  if (auto e = read_texts(*q, "q", limits, &r.texts, &r.array)) return *e;
  for (const char* key : {"source", "target"}) {
    std::string* out = std::string(key) == "source" ? &r.source : &r.target;
    if (auto e = read_string(obj, key, out)) return *e;
    if (out->empty()) return bad(std::string("Invalid request: missing ") + key + " parameter");
  }
  if (auto e = read_string(obj, "format", &r.format)) return *e;
  if (r.format.empty()) r.format = "text";
  if (r.format != "text")
    return bad("format \"" + excerpt(r.format, 40) + "\" is not supported: nmt translates plain text (format: text)");
  std::optional<int64_t> alternatives;
  if (auto e = read_int(obj, "alternatives", 0, limits.max_alternatives, &alternatives)) return *e;
  r.alternatives = alternatives.value_or(0);
  if (auto e = read_string(obj, "api_key", &r.api_key)) return *e;
  return r;
}

}  // namespace

std::string excerpt(std::string_view input, size_t max_chars) {
  return utf8_truncate(valid_utf8(input) ? std::string(input) : sanitize_utf8(input), max_chars);
}

std::multimap<std::string, std::string> parse_form(std::string_view body) {
  std::multimap<std::string, std::string> fields;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(pos, amp - pos);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key(pair.substr(0, eq));
      std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      fields.emplace(httplib::detail::decode_url(key, true), httplib::detail::decode_url(value, true));
    }
    pos = amp + 1;
  }
  return fields;
}

Parsed<TranslateRequest> translate_request_from_fields(const std::multimap<std::string, std::string>& fields,
                                                       const RequestLimits& limits) {
  // Values are bytes and may be invalid UTF-8: read_texts/read_string report that.
  // A repeated q (q=a&q=b) is an array of texts.
  Parsed<Json> obj = object_from_fields(fields, "q");
  if (auto* e = std::get_if<RequestError>(&obj)) return *e;
  return translate_from_object(std::get<Json>(obj), limits);
}

Parsed<ExplainQuery> parse_explain_query(const std::multimap<std::string, std::string>& params,
                                         const RequestLimits& limits) {
  Parsed<Json> parsed = object_from_fields(params, "text");
  if (auto* e = std::get_if<RequestError>(&parsed)) return *e;
  const Json& obj = std::get<Json>(parsed);
  if (auto e = unknown_key(obj, {"text", "model", "step", "layer", "head", "api_key"}, "parameter")) return *e;
  ExplainQuery q;
  auto text = obj.find("text");
  if (text == obj.end()) return bad("missing parameter text: the sentence to explain");
  if (text->is_array()) return bad("text is given " + std::to_string(text->size()) + " times; explain takes one sentence");
  std::vector<std::string> texts;
  bool array = false;
  if (auto e = read_texts(*text, "text", limits, &texts, &array)) return *e;
  q.text = texts.front();
  if (auto e = read_string(obj, "model", &q.model)) return *e;
  if (auto e = read_string(obj, "api_key", &q.api_key)) return *e;
  std::optional<int64_t> step, layer, head;
  if (auto e = read_int(obj, "step", 0, 100000, &step)) return *e;
  if (auto e = read_signed_index(obj, "layer", &layer)) return *e;
  if (auto e = read_signed_index(obj, "head", &head)) return *e;
  q.step = step.value_or(0);
  q.layer = layer.value_or(-1);
  q.head = head.value_or(-1);
  return q;
}

Parsed<TranslateRequest> parse_translate_request(std::string_view content_type, std::string_view body,
                                                 const RequestLimits& limits) {
  const std::string type = media_type(content_type);
  const bool form = type == "application/x-www-form-urlencoded";
  if (form && !looks_like_json_object(body)) {
    if (body.empty()) return bad("Invalid request: missing q parameter");
    return translate_request_from_fields(parse_form(body), limits);
  }
  if (!form && !type.empty() && type != "application/json" && !looks_like_json_object(body))
    return bad("unsupported Content-Type \"" + excerpt(type, 60) +
               "\": send application/json, application/x-www-form-urlencoded or multipart/form-data");
  Parsed<Json> obj = parse_object(body);
  if (auto* e = std::get_if<RequestError>(&obj)) return *e;
  return translate_from_object(std::get<Json>(obj), limits);
}

Parsed<NativeRequest> parse_native_request(std::string_view content_type, std::string_view body,
                                           const RequestLimits& limits) {
  const std::string type = media_type(content_type);
  if (!type.empty() && type != "application/json" && !looks_like_json_object(body))
    return bad("the native API takes a JSON body (Content-Type: application/json), got \"" + excerpt(type, 60) + "\"");
  Parsed<Json> parsed = parse_object(body);
  if (auto* e = std::get_if<RequestError>(&parsed)) return *e;
  const Json& obj = std::get<Json>(parsed);
  static const std::vector<std::string> kFields{"text",   "source",         "target",    "beam_size",
                                                "nbest",  "length_penalty", "attention", "api_key"};
  if (auto e = unknown_key(obj, kFields, "field")) return *e;
  NativeRequest r;
  auto text = obj.find("text");
  if (text == obj.end() || text->is_null()) return bad("missing field \"text\": a string or an array of strings");
  bool array = false;
  if (auto e = read_texts(*text, "text", limits, &r.texts, &array)) return *e;
  if (auto e = read_string(obj, "source", &r.source)) return *e;
  if (auto e = read_string(obj, "target", &r.target)) return *e;
  if (auto e = read_string(obj, "api_key", &r.api_key)) return *e;
  if (auto e = read_int(obj, "beam_size", 1, limits.max_beam, &r.beam_size)) return *e;
  if (auto e = read_int(obj, "nbest", 1, limits.max_beam, &r.nbest)) return *e;
  if (auto it = obj.find("length_penalty"); it != obj.end() && !it->is_null()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()))  // its range: validate_decoding_options
      return bad("length_penalty must be a number, got " + excerpt(it->dump(-1, ' ', false, Json::error_handler_t::replace), 40));
    r.length_penalty = it->get<double>();
  }
  if (auto it = obj.find("attention"); it != obj.end() && !it->is_null()) {
    if (!it->is_boolean()) return bad(std::string("attention must be true or false, got ") + it->type_name());
    r.attention = it->get<bool>();
  }
  return r;
}

}  // namespace nmt::serve
