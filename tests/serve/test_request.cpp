// nmt serve's pure parts, without a socket or a model: request parsing (LibreTranslate and
// native), the Prometheus text, the compiled-in page.
#include <catch2/catch.hpp>

#include "nmt/report/charts.h"
#include "nmt/serve/metrics.h"
#include "nmt/serve/page.h"
#include "nmt/serve/request.h"
#include "nmt/util/json.h"

using Catch::Matchers::Contains;
using namespace nmt::serve;

namespace {

const RequestLimits kLimits{};
const char* const kJson = "application/json";

template <typename T>
T ok(const Parsed<T>& p) {
  if (auto* e = std::get_if<RequestError>(&p)) FAIL("unexpected error " << e->status << ": " << e->message);
  return std::get<T>(p);
}

template <typename T>
RequestError error(const Parsed<T>& p) {
  REQUIRE(std::holds_alternative<RequestError>(p));
  return std::get<RequestError>(p);
}

RequestError translate_error(const std::string& body, const std::string& type = kJson,
                             const RequestLimits& limits = kLimits) {
  return error(parse_translate_request(type, body, limits));
}

}  // namespace

TEST_CASE("LibreTranslate requests from JSON and forms and fields", "[serve][request]") {
  auto r = ok(parse_translate_request(kJson, R"({"q":"Y dijo Dios","source":"es","target":"en"})", kLimits));
  CHECK(r.texts == std::vector<std::string>{"Y dijo Dios"});
  CHECK_FALSE(r.array);
  CHECK(r.source == "es");
  CHECK(r.target == "en");
  CHECK(r.alternatives == 0);
  CHECK(r.format == "text");

  r = ok(parse_translate_request("application/json; charset=utf-8",
                                 R"({"q":["a","","b"],"source":"auto","target":"en","alternatives":2,"api_key":"k",
                                     "format":"text","extra":{"ignored":true}})",
                                 kLimits));
  CHECK(r.texts == std::vector<std::string>{"a", "", "b"});  // empty items translate to ""
  CHECK(r.array);
  CHECK(r.alternatives == 2);
  CHECK(r.api_key == "k");

  r = ok(parse_translate_request("application/x-www-form-urlencoded",
                                 "q=Sea+la+luz%3B+y+fu%C3%A9&source=es&target=en&alternatives=3", kLimits));
  CHECK(r.texts == std::vector<std::string>{"Sea la luz; y fu\xC3\xA9"});
  CHECK(r.alternatives == 3);
  r = ok(parse_translate_request("application/x-www-form-urlencoded", "q=a&q=b&source=es&target=en", kLimits));
  CHECK(r.texts == std::vector<std::string>{"a", "b"});
  CHECK(r.array);
  // curl -d '{...}' sends JSON as a form: read it as JSON.
  r = ok(parse_translate_request("application/x-www-form-urlencoded", R"( {"q":"x","source":"es","target":"en"})", kLimits));
  CHECK(r.texts == std::vector<std::string>{"x"});
  r = ok(translate_request_from_fields({{"q", "hola"}, {"source", "es"}, {"target", "en"}}, kLimits));
  CHECK(r.texts == std::vector<std::string>{"hola"});
}

TEST_CASE("LibreTranslate bad input: each problem is a 400 that names the field", "[serve][request]") {
  CHECK_THAT(translate_error("{\"q\":").message, Contains("malformed JSON"));
  CHECK_THAT(translate_error("[1,2]").message, Contains("must be a JSON object, got array"));
  CHECK_THAT(translate_error("").message, Contains("empty"));
  CHECK_THAT(translate_error(R"({"source":"es","target":"en"})").message, Contains("missing q parameter"));
  CHECK_THAT(translate_error(R"({"q":null,"source":"es","target":"en"})").message, Contains("missing q"));
  CHECK_THAT(translate_error(R"({"q":5,"source":"es","target":"en"})").message,
             Contains("q must be a string or an array of strings, got number"));
  CHECK_THAT(translate_error(R"({"q":["a",7],"source":"es","target":"en"})").message, Contains("q[1] must be a string"));
  CHECK_THAT(translate_error(R"({"q":"","source":"es","target":"en"})").message, Contains("q is empty"));
  CHECK_THAT(translate_error(R"({"q":"  ","source":"es","target":"en"})").message, Contains("q is empty"));
  CHECK_THAT(translate_error(R"({"q":[],"source":"es","target":"en"})").message, Contains("empty array"));
  CHECK_THAT(translate_error(R"({"q":"a","target":"en"})").message, Contains("missing source"));
  CHECK_THAT(translate_error(R"({"q":"a","source":"es"})").message, Contains("missing target"));
  CHECK_THAT(translate_error(R"({"q":"a","source":1,"target":"en"})").message, Contains("source must be a string"));
  CHECK_THAT(translate_error(R"({"q":"a","source":"es","target":"en","format":"html"})").message,
             Contains("format \"html\" is not supported"));
  CHECK_THAT(translate_error(R"({"q":"a","source":"es","target":"en","alternatives":"x"})").message,
             Contains("alternatives must be an integer"));
  CHECK_THAT(translate_error(R"({"q":"a","source":"es","target":"en","alternatives":-1})").message,
             Contains("alternatives must be between 0 and 16"));
  CHECK_THAT(translate_error(R"({"q":"a","source":"es","target":"en","alternatives":1.5})").message,
             Contains("must be an integer"));
  CHECK_THAT(translate_error(R"({"q":"a","source":"es","target":"en","alternatives":99999999999999999999})").message,
             Contains("alternatives must be"));
  CHECK_THAT(translate_error("q=x", "text/plain").message, Contains("unsupported Content-Type"));
  // Invalid UTF-8: in a JSON body, in a form value, in a form field name.
  CHECK_THAT(translate_error("{\"q\":\"a\xff\",\"source\":\"es\",\"target\":\"en\"}").message,
             Contains("not valid UTF-8"));
  auto form = translate_error("q=a%FFb&source=es&target=en", "application/x-www-form-urlencoded");
  CHECK_THAT(form.message, Contains("q is not valid UTF-8"));
  CHECK_THAT(translate_error("q%FF=a&source=es&target=en", "application/x-www-form-urlencoded").message,
             Contains("field name is not valid UTF-8"));
  // Limits: characters (code points, not bytes) and texts per request.
  RequestLimits small;
  small.char_limit = 5;
  small.max_sentences = 2;
  CHECK(ok(parse_translate_request(kJson, "{\"q\":\"\xC3\xB1\xC3\xB1\xC3\xB1\xC3\xB1\xC3\xB1\",\"source\":\"es\",\"target\":\"en\"}", small))
            .texts.size() == 1);
  CHECK_THAT(translate_error(R"({"q":"abcdef","source":"es","target":"en"})", kJson, small).message,
             Contains("6 characters; this server's limit is 5"));
  CHECK_THAT(translate_error(R"({"q":["a","b","c"],"source":"es","target":"en"})", kJson, small).message,
             Contains("at most 2 per request"));
  for (const auto& e : {translate_error("{"), translate_error(R"({"q":1})")}) CHECK(e.status == 400);
}

TEST_CASE("native requests: typed fields and unknown fields rejected", "[serve][request]") {
  auto r = ok(parse_native_request(kJson, R"({"text":["a","b"],"beam_size":4,"nbest":2,"length_penalty":0,
                                               "attention":true,"source":"es"})",
                                   kLimits));
  CHECK(r.texts.size() == 2);
  CHECK(r.beam_size == 4);
  CHECK(r.nbest == 2);
  CHECK(r.length_penalty == 0.0);
  CHECK(r.attention);
  CHECK(r.source == "es");
  CHECK(r.target.empty());
  r = ok(parse_native_request("", R"({"text":"one"})", kLimits));
  CHECK(r.texts == std::vector<std::string>{"one"});
  CHECK_FALSE(r.beam_size.has_value());

  auto err = [](const std::string& body) { return error(parse_native_request(kJson, body, kLimits)).message; };
  CHECK_THAT(err(R"({"text":"a","beam":3})"), Contains("unknown field \"beam\"; valid fields: text, source"));
  CHECK_THAT(err(R"({"q":"a"})"), Contains("unknown field \"q\""));
  CHECK_THAT(err(R"({})"), Contains("missing field \"text\""));
  CHECK_THAT(err(R"({"text":"a","beam_size":1e999})"), Contains("malformed JSON"));  // a 400, not a 500 (found by fuzzing)
  CHECK_THAT(err(R"({"text":"a","beam_size":0})"), Contains("beam_size must be between 1 and 64"));
  CHECK_THAT(err(R"({"text":"a","nbest":"two"})"), Contains("nbest must be an integer"));
  CHECK_THAT(err(R"({"text":"a","length_penalty":"high"})"), Contains("length_penalty must be a number"));
  CHECK(ok(parse_native_request(kJson, R"({"text":"a","length_penalty":-1})", kLimits)).length_penalty == -1.0);  // range: the server's decoding check
  CHECK_THAT(err(R"({"text":"a","attention":"yes"})"), Contains("attention must be true or false"));
  CHECK_THAT(error(parse_native_request("application/x-www-form-urlencoded", "text=a", kLimits)).message,
             Contains("takes a JSON body"));
}

TEST_CASE("explain queries: one sentence, a model name, step, layer and head", "[serve][request]") {
  using Params = std::multimap<std::string, std::string>;
  auto q = ok(parse_explain_query(Params{{"text", "Y dijo Dios"}, {"model", "bible"}, {"step", "2"}, {"head", "-1"}},
                                  kLimits));
  CHECK(q.text == "Y dijo Dios");
  CHECK(q.model == "bible");
  CHECK(q.step == 2);
  CHECK(q.layer == -1);
  CHECK(q.head == -1);
  q = ok(parse_explain_query(parse_form("text=a+b&layer=0"), kLimits));
  CHECK(q.text == "a b");
  CHECK(q.step == 0);
  CHECK(q.layer == 0);
  CHECK(q.model.empty());

  auto err = [](const Params& p) { return error(parse_explain_query(p, kLimits)); };
  CHECK_THAT(err({}).message, Contains("missing parameter text"));
  CHECK_THAT(err({{"text", "  "}}).message, Contains("text is empty"));
  CHECK_THAT(err({{"text", "a"}, {"text", "b"}}).message, Contains("explain takes one sentence"));
  CHECK_THAT(err({{"text", "a"}, {"step", "first"}}).message, Contains("step must be an integer"));
  CHECK_THAT(err({{"text", "a"}, {"layer", "-2"}}).message, Contains("layer must be an integer"));
  CHECK_THAT(err({{"text", "a"}, {"sentence", "b"}}).message, Contains("unknown parameter \"sentence\"; valid parameters: text"));
  CHECK_THAT(err({{"text", "\xC3("}}).message, Contains("text is not valid UTF-8"));
  CHECK(err({{"text", "a"}, {"step", "-1"}}).status == 400);
}

TEST_CASE("parse_form decodes percent escapes and plus signs", "[serve][request]") {
  auto f = parse_form("a=1+2&b=%26%3D&&c&d=");
  CHECK(f.find("a")->second == "1 2");
  CHECK(f.find("b")->second == "&=");
  CHECK(f.find("c")->second.empty());
  CHECK(f.count("d") == 1);
  CHECK(f.size() == 4);
}

TEST_CASE("metrics render in the Prometheus text format", "[serve][metrics]") {
  Metrics m;
  m.request("/translate", 200, 0.03, true);
  m.request("/translate", 200, 0.7, true);
  m.request("/translate", 429, 0.0001, true);
  m.request("/health", 200, 0.0001, false);
  m.decoded("bible \"es\"", 3, 30, 40);
  m.batch(3, 36);
  m.rejected("queue_full");
  m.cancelled();
  m.set_queue_reader([] { return std::map<std::string, int64_t>{{"m", 7}}; }, 64);
  const std::string t = m.render();
  CHECK_THAT(t, Contains("# TYPE nmt_requests_total counter"));
  CHECK_THAT(t, Contains("nmt_requests_total{route=\"/translate\",status=\"200\"} 2\n"));
  CHECK_THAT(t, Contains("nmt_requests_total{route=\"/translate\",status=\"429\"} 1\n"));
  CHECK_THAT(t, Contains("# TYPE nmt_request_duration_seconds histogram"));
  CHECK_THAT(t, Contains("nmt_request_duration_seconds_bucket{route=\"/translate\",le=\"0.05\"} 2\n"));
  CHECK_THAT(t, Contains("nmt_request_duration_seconds_bucket{route=\"/translate\",le=\"+Inf\"} 3\n"));
  CHECK_THAT(t, Contains("nmt_request_duration_seconds_count{route=\"/translate\"} 3\n"));
  CHECK_THAT(t, !Contains("route=\"/health\",le="));  // only translate routes are timed
  CHECK_THAT(t, Contains("nmt_sentences_total{model=\"bible \\\"es\\\"\"} 3\n"));  // label escaped
  CHECK_THAT(t, Contains("nmt_batch_sentences_bucket{le=\"2\"} 0\nnmt_batch_sentences_bucket{le=\"4\"} 1\n"));
  CHECK_THAT(t, Contains("nmt_batch_tokens_sum 36\n"));
  CHECK_THAT(t, Contains("nmt_queue_depth{model=\"m\"} 7\n"));
  CHECK_THAT(t, Contains("nmt_queue_capacity 64\n"));
  CHECK_THAT(t, Contains("nmt_requests_rejected_total{reason=\"queue_full\"} 1\n"));
  CHECK_THAT(t, Contains("nmt_requests_cancelled_total 1\n"));
  // Every line is a comment or `name{labels} value`.
  std::istringstream lines(t);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    CHECK((line.rfind("# ", 0) == 0 || line.find(' ') != std::string::npos));
  }
}

TEST_CASE("the web page is self-contained and uses the report's colour scale", "[serve][page]") {
  const std::string page = web_page();
  CHECK_THAT(page, Contains("<!DOCTYPE html>"));
  CHECK(page.find("/*@HEATMAP_STOPS@*/") == std::string::npos);  // filled in
  CHECK_THAT(page, Contains("const STOPS = " + nmt::Json(nmt::heatmap_color_stops()).dump() + ";"));
  for (const char* id : {"id=\"src\"", "id=\"go\"", "id=\"out\"", "id=\"alternatives\"", "id=\"heatmap\"",
                         "id=\"layer\"", "id=\"head\"", "id=\"facts\"", "id=\"translation-actions\""})
    CHECK_THAT(page, Contains(id));
  // Nothing is fetched from elsewhere: no absolute URLs in src/href/fetch, no external hosts.
  for (const char* external : {"src=\"http", "href=\"http", "fetch(\"http", "//cdn", "googleapis", "url(http"})
    CHECK(page.find(external) == std::string::npos);
}
