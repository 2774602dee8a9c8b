// nmt serve end to end: the built binary serving the tiny copy-task model (tests/common), driven
// over loopback HTTP. LibreTranslate and native answers equal `nmt translate`, also under many
// concurrent clients; bad input gets JSON errors; queue cap, disconnects, SIGTERM, several
// models, API keys; the web page in headless chromium. Tagged [e2e]: they run the nmt binary
// (left out of the sanitizer build, which has none).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <cstdlib>
#include <random>
#include <thread>

#include "cdp.h"
#include "common/trained_model.h"
#include "serve_process.h"

using Catch::Matchers::Contains;
using namespace serve_test;
namespace fs = std::filesystem;

namespace {

const std::string kLangs = "--source-lang es --target-lang en";

fs::path test_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("nmt_test_serve_" + std::to_string(::getpid())) / name;
  fs::create_directories(d);
  return d;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// `nmt translate` of each line (the reference the server must match), with extra options.
std::vector<std::string> cli_translate(const fs::path& model, const std::vector<std::string>& lines,
                                       const std::string& extra = "") {
  static int n = 0;
  const fs::path dir = test_dir("cli" + std::to_string(++n));
  std::ofstream in(dir / "in.txt");
  for (const auto& l : lines) in << l << "\n";
  in.close();
  const int rc = nmt_test::sh("'" NMT_BINARY "' translate --batch -m '" + model.string() + "' " + extra + " < '" +
                             (dir / "in.txt").string() + "' > '" + (dir / "out.txt").string() + "' 2> '" +
                             (dir / "err.txt").string() + "'");
  INFO(read_text(dir / "err.txt"));
  REQUIRE(rc == 0);
  return split_lines(read_text(dir / "out.txt"));
}

// Random lines over the copy task's words, lengths 1-14 (training saw 3-8), some unknown words.
std::vector<std::string> random_lines(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    const int len = 1 + static_cast<int>(rng() % 14);
    std::string line;
    for (int k = 0; k < len; ++k) {
      line += (k ? " " : "");
      line += rng() % 17 == 0 ? std::string("zz") : "a" + std::to_string(1 + rng() % 12);
    }
    out.push_back(line);
  }
  return out;
}

void check_error(const Reply& r, int status, const std::string& needle) {
  INFO("status " << r.status << ", body " << r.raw.substr(0, 300));
  CHECK(r.status == status);
  CHECK_THAT(r.content_type, Contains("application/json"));
  REQUIRE(r.body.is_object());
  REQUIRE(r.body.contains("error"));
  REQUIRE(r.body["error"].is_string());
  CHECK_THAT(r.body["error"].get<std::string>(), Contains(needle));
}

std::string metrics_of(const ServeProcess& s) {
  auto c = s.client();
  auto r = c.Get("/metrics");
  REQUIRE(r);
  return r->body;
}

// A copy of the tiny model recording the language pair src→tgt in its config.yaml.
fs::path model_with_languages(const std::string& src, const std::string& tgt) {
  const fs::path dir = test_dir("model-" + src + "-" + tgt);
  fs::copy(nmt_test::trained_model(), dir, fs::copy_options::overwrite_existing | fs::copy_options::recursive);
  std::string cfg;
  for (const auto& line : split_lines(read_text(dir / "config.yaml")))
    if (line.find("src_lang:") == std::string::npos && line.find("tgt_lang:") == std::string::npos) cfg += line + "\n";
  const auto at = cfg.find("data:\n");
  REQUIRE(at != std::string::npos);
  cfg.insert(at + 6, "  src_lang: " + src + "\n  tgt_lang: " + tgt + "\n");
  std::ofstream(dir / "config.yaml") << cfg;
  return dir;
}

}  // namespace

TEST_CASE("serve answers LibreTranslate requests exactly as nmt translate does", "[serve][e2e]") {
  const fs::path& model = nmt_test::trained_model();
  ServeProcess s("-m '" + model.string() + "' " + kLangs);
  REQUIRE(s.running());
  const std::vector<std::string> lines{"a1 a2 a3", "a7 a3 a3 a9 a1", "a5 a6"};
  const auto expected = cli_translate(model, lines);
  REQUIRE(expected.size() == 3);

  Reply r = post(s, "/translate", json{{"q", lines[0]}, {"source", "es"}, {"target", "en"}}.dump());
  REQUIRE(r.status == 200);
  CHECK(r.body == json{{"translatedText", expected[0]}});
  CHECK(expected[0] == "a1 a2 a3");  // the model learned to copy

  r = post(s, "/translate", json{{"q", lines}, {"source", "es"}, {"target", "en"}}.dump());
  REQUIRE(r.status == 200);
  CHECK(r.body["translatedText"] == json(expected));

  r = post(s, "/translate", "q=a7+a3+a3+a9+a1&source=es&target=en", "application/x-www-form-urlencoded");
  REQUIRE(r.status == 200);
  CHECK(r.body["translatedText"] == expected[1]);

  auto c = s.client();
  httplib::MultipartFormDataItems items{{"q", lines[2], "", ""}, {"source", "es", "", ""}, {"target", "en", "", ""}};
  r = reply_of(c.Post("/translate", items));
  REQUIRE(r.status == 200);
  CHECK(r.body["translatedText"] == expected[2]);

  // Alternatives come from the n-best list: the same as nmt translate --nbest 3.
  const auto nbest = cli_translate(model, {lines[1]}, "--nbest 3");
  REQUIRE(nbest.size() == 3);
  r = post(s, "/translate", json{{"q", lines[1]}, {"source", "es"}, {"target", "en"}, {"alternatives", 2}}.dump());
  REQUIRE(r.status == 200);
  std::vector<std::string> alts;
  for (const auto& l : nbest) alts.push_back(l.substr(l.find(" ||| ") + 5, l.rfind(" ||| ") - l.find(" ||| ") - 5));
  CHECK(r.body["translatedText"] == alts[0]);
  CHECK(r.body["alternatives"] == json({alts[1], alts[2]}));

  r = post(s, "/translate", json{{"q", lines[0]}, {"source", "auto"}, {"target", "en"}}.dump());
  REQUIRE(r.status == 200);
  CHECK(r.body["detectedLanguage"]["language"] == "es");
  CHECK(r.body["translatedText"] == expected[0]);

  r = get(s, "/languages");
  REQUIRE(r.status == 200);
  CHECK(r.body == json::parse(R"([{"code":"es","name":"Spanish","targets":["en"]}])"));
  CHECK(s.terminate() == 0);
}

TEST_CASE("serve: bad input gets a JSON error with the right status and serving goes on", "[serve][e2e][bad-input]") {
  const fs::path& model = nmt_test::trained_model();
  ServeProcess s("-m '" + model.string() + "' " + kLangs + " --max-body 2000000");
  REQUIRE(s.running());
  const std::string tail = R"(,"source":"es","target":"en"})";
  check_error(post(s, "/translate", R"({"q":"a1",)"), 400, "malformed JSON");
  check_error(post(s, "/translate", R"({"q":5)" + tail), 400, "q must be a string or an array of strings");
  check_error(post(s, "/translate", R"({"q":["a1",{}])" + tail), 400, "q[1] must be a string");
  check_error(post(s, "/translate", R"({"source":"es","target":"en"})"), 400, "missing q");
  check_error(post(s, "/translate", "{\"q\":\"a1 \xC3\x28 a2\"" + tail), 400, "not valid UTF-8");
  check_error(post(s, "/translate", "q=a1%C3%28&source=es&target=en", "application/x-www-form-urlencoded"), 400,
              "q is not valid UTF-8");
  check_error(post(s, "/translate", R"({"q":"")" + tail), 400, "q is empty");
  check_error(post(s, "/translate", ""), 400, "empty");
  check_error(post(s, "/translate", "q", "text/plain"), 400, "Content-Type");
  const std::string mb(1'000'000, 'a');
  check_error(post(s, "/translate", R"({"q":")" + mb + "\"" + tail), 400, "1000000 characters");
  const std::string big(2'500'000, ' ');
  check_error(post(s, "/translate", R"({"q":"a1")" + tail + big), 413, "--max-body");
  check_error(post(s, "/translate", R"({"q":"a1","source":"es","target":"de"})"), 400, "no model translates es");
  check_error(post(s, "/translate", R"({"q":"a1","source":"es","target":"en","format":"html"})"), 400, "html");
  check_error(get(s, "/nope"), 404, "unknown route GET /nope");
  check_error(post(s, "/v2/translate", "{}"), 404, "unknown route POST /v2/translate");
  check_error(get(s, "/translate"), 405, "takes POST");
  check_error(post(s, "/v1/translate", R"({"text":"a1","beam":2})"), 400, "unknown field \"beam\"");
  // Decoding options go through validate_decoding_options's rules.
  check_error(post(s, "/v1/translate", R"({"text":"a1","beam_size":2,"nbest":3})"), 400, "nbest: must be <= beam_size (3 > 2)");
  check_error(post(s, "/v1/translate", R"({"text":"a1","length_penalty":-1})"), 400, "length_penalty: must be >= 0, got -1");
  check_error(post(s, "/v1/translate", R"({"text":true})"), 400, "text must be a string or an array");
  check_error(post(s, "/v1/translate", R"({"text":"a1","source":"fr"})"), 400, "no model translates fr");

  // Still serving, and the errors were counted.
  Reply ok = post(s, "/translate", R"({"q":"a1 a2 a3")" + tail);
  CHECK(ok.status == 200);
  CHECK(ok.body["translatedText"] == "a1 a2 a3");
  CHECK(get(s, "/health").body["status"] == "ok");
  const std::string m = metrics_of(s);
  CHECK_THAT(m, Contains("nmt_requests_total{route=\"/translate\",status=\"400\"} 12"));
  CHECK_THAT(m, Contains("nmt_requests_total{route=\"/translate\",status=\"413\"} 1"));
  CHECK_THAT(m, Contains("nmt_requests_total{route=\"other\",status=\"404\"} 2"));
  CHECK(s.terminate() == 0);
}

TEST_CASE("serve: many concurrent clients get exactly nmt translate's output", "[serve][e2e][concurrency]") {
  const fs::path& model = nmt_test::trained_model();
  const auto lines = random_lines(240, 42);
  const auto expected = cli_translate(model, lines);
  REQUIRE(expected.size() == lines.size());
  ServeProcess s("-m '" + model.string() + "' " + kLangs + " --max-wait-ms 20");
  REQUIRE(s.running());

  const int clients = 24;
  std::vector<std::string> got(lines.size());
  std::mutex failure_mu;
  std::vector<std::string> failure_text;
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      auto c = s.client();
      std::vector<size_t> mine;
      for (size_t i = static_cast<size_t>(t); i < lines.size(); i += clients) mine.push_back(i);
      // Odd clients send arrays of up to three lines, even ones one line per request.
      const size_t step = t % 2 ? 3 : 1;
      for (size_t k = 0; k < mine.size(); k += step) {
        json q = json::array();
        for (size_t j = k; j < std::min(mine.size(), k + step); ++j) q.push_back(lines[mine[j]]);
        json body{{"q", step == 1 ? q[0] : q}, {"source", "es"}, {"target", "en"}};
        auto r = c.Post("/translate", body.dump(), "application/json");
        if (!r || r->status != 200) {
          std::lock_guard<std::mutex> lock(failure_mu);
          failure_text.push_back(r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error()));
          continue;
        }
        json out = json::parse(r->body)["translatedText"];
        for (size_t j = k; j < std::min(mine.size(), k + step); ++j)
          got[mine[j]] = step == 1 ? out.get<std::string>() : out[j - k].get<std::string>();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (size_t i = 0; i < std::min<size_t>(3, failure_text.size()); ++i) UNSCOPED_INFO("failed request: " << failure_text[i]);
  CHECK(failure_text.empty());
  int differ = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (got[i] == expected[i]) continue;
    if (++differ <= 5) UNSCOPED_INFO("line " << i << " '" << lines[i] << "': served '" << got[i] << "', nmt translate '" << expected[i] << "'");
  }
  CHECK(differ == 0);
  // The requests really were batched together.
  const std::string m = metrics_of(s);
  INFO(m);
  CHECK_THAT(m, Contains("nmt_sentences_total{model=\"e2e-copy\"} 240"));
  const auto count_at = m.find("nmt_batch_sentences_count ");
  const auto one_at = m.find("nmt_batch_sentences_bucket{le=\"1\"} ");
  REQUIRE(count_at != std::string::npos);
  REQUIRE(one_at != std::string::npos);
  const long batches = std::stol(m.substr(count_at + 26));
  const long singles = std::stol(m.substr(one_at + 35));
  CHECK(batches < 240);
  CHECK(singles < batches);  // some batches held several sentences
  CHECK(s.terminate() == 0);
}

TEST_CASE("serve: a full queue answers 429 at once", "[serve][e2e][queue]") {
  const fs::path& model = nmt_test::trained_model();
  ServeProcess s("-m '" + model.string() + "' " + kLangs + " --max-queue 2 --max-wait-ms 3000");
  REQUIRE(s.running());
  Reply first;
  std::thread waiting([&] { first = post(s, "/translate", R"({"q":["a1 a2 a3","a4 a5 a6"],"source":"es","target":"en"})"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the two sentences wait (3 s) for company
  const auto t0 = std::chrono::steady_clock::now();
  Reply refused = post(s, "/translate", R"({"q":"a4","source":"es","target":"en"})");
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  check_error(refused, 429, "queue is full");
  CHECK(secs < 1.0);
  check_error(post(s, "/translate", R"({"q":["a1","a2","a3"],"source":"es","target":"en"})"), 400, "at most 2 per request");
  waiting.join();
  CHECK(first.status == 200);
  CHECK(first.body["translatedText"] == json({"a1 a2 a3", "a4 a5 a6"}));
  CHECK_THAT(metrics_of(s), Contains("nmt_requests_rejected_total{reason=\"queue_full\"} 1"));
  CHECK(s.terminate() == 0);
}

TEST_CASE("serve: a client that disconnects is dropped and SIGTERM finishes requests in flight then exits 0",
          "[serve][e2e][shutdown]") {
  const fs::path& model = nmt_test::trained_model();
  ServeProcess s("-m '" + model.string() + "' " + kLangs + " --max-wait-ms 1500");
  REQUIRE(s.running());
  {  // Send a request and hang up while it waits in the queue.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(s.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const std::string body = R"({"q":"a1 a2 a3","source":"es","target":"en"})";
    const std::string req = "POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
    REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::close(fd);
  }
  bool dropped = false;
  for (int i = 0; i < 100 && !dropped; ++i) {
    dropped = metrics_of(s).find("nmt_requests_cancelled_total 1\n") != std::string::npos;
    if (!dropped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(dropped);
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));  // past its batch deadline
  CHECK(metrics_of(s).find("nmt_sentences_total{") == std::string::npos);  // never decoded
  CHECK(get(s, "/health").status == 200);

  // SIGTERM while a request waits: it is answered, then the server exits 0.
  Reply in_flight;
  std::thread waiting([&] { in_flight = post(s, "/translate", R"({"q":"a5 a6 a7","source":"es","target":"en"})"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const int rc = s.terminate();
  waiting.join();
  INFO(s.log());
  CHECK(rc == 0);
  CHECK(in_flight.status == 200);
  CHECK(in_flight.body["translatedText"] == "a5 a6 a7");
  CHECK_THAT(s.log(), Contains("disconnected"));
  CHECK_THAT(s.log(), Contains("stopped"));
}

TEST_CASE("serve: several models picked by language pair with source auto and API keys", "[serve][e2e][models]") {
  const fs::path es = model_with_languages("es", "en"), fr = model_with_languages("fr", "en");
  const fs::path keys = test_dir("keys") / "keys.txt";
  std::ofstream(keys) << "# keys\nsecret-1\n\n  secret-2  \n";
  ServeProcess s("-m '" + es.string() + "' -m '" + fr.string() + "' --api-keys '" + keys.string() + "'");
  REQUIRE(s.running());
  CHECK(get(s, "/languages").body ==
        json::parse(R"([{"code":"es","name":"Spanish","targets":["en"]},{"code":"fr","name":"French","targets":["en"]}])"));
  const Reply models = get(s, "/v1/models");
  REQUIRE(models.body["models"].size() == 2);
  CHECK(models.body["api_key_required"] == true);

  check_error(post(s, "/translate", R"({"q":"a1","source":"es","target":"en"})"), 403, "API key");
  check_error(post(s, "/translate", R"({"q":"a1","source":"es","target":"en","api_key":"nope"})"), 403, "Invalid API key");
  check_error(post(s, "/v1/translate", R"({"text":"a1","source":"es"})"), 403, "API key");
  Reply r = post(s, "/translate", R"({"q":"a1 a2 a3","source":"fr","target":"en","api_key":"secret-2"})");
  CHECK(r.status == 200);
  CHECK(r.body["translatedText"] == "a1 a2 a3");
  r = post(s, "/translate", "q=a3&source=es&target=en&api_key=secret-1", "application/x-www-form-urlencoded");
  CHECK(r.status == 200);
  check_error(post(s, "/translate", R"({"q":"a1","source":"auto","target":"en","api_key":"secret-1"})"), 400,
              "source \"auto\" needs language detection");
  check_error(post(s, "/v1/translate", R"({"text":"a1","api_key":"secret-1"})"), 400, "several models match");
  r = post(s, "/v1/translate", R"({"text":"a1","source":"fr","api_key":"secret-1"})");
  CHECK(r.status == 200);
  CHECK(r.body["source"] == "fr");
  const std::string m = metrics_of(s);
  CHECK_THAT(m, Contains("nmt_sentences_total{model=\"e2e-copy\"}"));
  CHECK(s.terminate() == 0);

  // The same with a decode thread per model.
  ServeProcess per_model("-m '" + es.string() + "' -m '" + fr.string() + "' --decode-thread-per-model");
  REQUIRE(per_model.running());
  for (const char* src : {"es", "fr"}) {
    r = post(per_model, "/translate", json{{"q", "a4 a5 a6"}, {"source", src}, {"target", "en"}}.dump());
    CHECK(r.status == 200);
    CHECK(r.body["translatedText"] == "a4 a5 a6");
  }
  CHECK_THAT(metrics_of(per_model), Contains("nmt_batch_sentences_count 2"));
  CHECK(per_model.terminate() == 0);

  // Refused at startup, with the fix in the message.
  ServeProcess same("-m '" + es.string() + "' -m '" + es.string() + "'");
  CHECK_FALSE(same.running());
  CHECK(same.exit_code() == 2);
  CHECK_THAT(same.log(), Contains("both translate es"));
  ServeProcess bare("-m '" + nmt_test::trained_model().string() + "'");
  CHECK_FALSE(bare.running());
  CHECK(bare.exit_code() == 2);
  CHECK_THAT(bare.log(), Contains("records no language pair"));
  CHECK_THAT(bare.log(), Contains("src_lang: es"));
  CHECK_THAT(bare.log(), Contains("--source-lang"));
  ServeProcess bad_lang("-m '" + nmt_test::trained_model().string() + "' --source-lang spanish --target-lang en");
  CHECK(bad_lang.exit_code() == 2);
  CHECK_THAT(bad_lang.log(), Contains("data.src_lang: expected a language code"));
}

TEST_CASE("serve: native API gives n-best with scores and tokens and every attention view plus health and metrics",
          "[serve][e2e][native]") {
  const fs::path& model = nmt_test::trained_model();
  ServeProcess s("-m '" + model.string() + "' " + kLangs);
  REQUIRE(s.running());
  const auto nbest = cli_translate(model, {"a4 a2 a8 a8"}, "--nbest 3");
  REQUIRE(nbest.size() == 3);
  Reply r = post(s, "/v1/translate", R"({"text":["a4 a2 a8 a8",""],"nbest":3,"attention":true})");
  REQUIRE(r.status == 200);
  CHECK(r.body["model"] == "e2e-copy");
  const json& t = r.body["translations"];
  REQUIRE(t.size() == 2);
  CHECK(t[0]["source_tokens"] == json({"a4", "a2", "a8", "a8", "</s>"}));
  REQUIRE(t[0]["hypotheses"].size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    const json& h = t[0]["hypotheses"][k];
    const std::string line = nbest[k];
    const auto a = line.find(" ||| "), b = line.rfind(" ||| ");
    CHECK(h["text"] == line.substr(a + 5, b - a - 5));
    CHECK(h["score"].get<double>() == Approx(std::stod(line.substr(b + 5))).margin(1e-3));
    std::string joined;
    for (const auto& tok : h["tokens"]) joined += (joined.empty() ? "" : " ") + tok.get<std::string>();
    CHECK(joined == h["text"]);  // word tokens
  }
  const json& att = t[0]["attention"];
  REQUIRE(att.is_object());
  CHECK(att["layers"] == 1);
  CHECK(att["heads"] == 2);
  CHECK(att["target_tokens"].size() == t[0]["hypotheses"][0]["tokens"].size() + 1);
  REQUIRE(att["weights"].size() == 1);
  REQUIRE(att["weights"][0].size() == 2);
  for (const auto& head : att["weights"][0]) {
    REQUIRE(head.size() == att["target_tokens"].size());
    for (const auto& row : head) {
      REQUIRE(row.size() == 5);
      double sum = 0;
      for (const auto& w : row) sum += w.get<double>();
      CHECK(sum == Approx(1.0).margin(2e-3));
    }
  }
  CHECK(t[1]["hypotheses"] == json::parse(R"([{"text":"","score":0.0,"tokens":[]}])"));
  CHECK(t[1]["attention"].is_null());
  // Without "attention" there is none; beam and length penalty are the caller's to choose.
  r = post(s, "/v1/translate", R"({"text":"a1 a2","beam_size":1,"length_penalty":0})");
  REQUIRE(r.status == 200);
  CHECK_FALSE(r.body["translations"][0].contains("attention"));
  CHECK(r.body["translations"][0]["hypotheses"].size() == 1);

  const Reply models = get(s, "/v1/models");
  REQUIRE(models.status == 200);
  const json& m = models.body["models"][0];
  CHECK(m["arch"] == "transformer");
  CHECK(m["parameters"].get<int64_t>() > 1000);
  CHECK(m["source"] == "es");
  CHECK(m["target"] == "en");
  CHECK(m["training"]["step"] == 300);
  CHECK(m["decode"]["beam_size"] == 3);
  CHECK(m["attention"] == json::parse(R"({"layers":1,"heads":2,"name":"Transformer cross-attention"})"));
  CHECK(models.body["api_key_required"] == false);
  CHECK(get(s, "/health").body == json::parse(R"({"status":"ok","models":1,"queue_depth":0})"));

  auto c = s.client();
  auto page = c.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK_THAT(page->get_header_value("Content-Type"), Contains("text/html"));
  CHECK_THAT(page->get_header_value("Content-Security-Policy"), Contains("default-src 'none'"));
  // nmt explain's page for a sentence (the page links to it next to each translation).
  auto explained = c.Get("/v1/explain?text=a4+a2+%3Cb%3E&step=1");
  REQUIRE(explained);
  CHECK(explained->status == 200);
  CHECK_THAT(explained->get_header_value("Content-Type"), Contains("text/html"));
  CHECK_THAT(explained->body, Contains("<title>nmt explain: a4 a2 &lt;b&gt;</title>"));  // the sentence, escaped
  CHECK_THAT(explained->body, Contains("Attention, worked through"));
  CHECK_THAT(explained->body, Contains("<svg"));  // a heatmap per head
  CHECK(get(s, "/v1/explain?model=e2e-copy&text=a1").status == 200);
  check_error(get(s, "/v1/explain"), 400, "missing parameter text");
  check_error(get(s, "/v1/explain?text=a1&model=nope"), 400, "no model named \"nope\"; this server has e2e-copy");
  check_error(get(s, "/v1/explain?text=a1&step=99"), 400, "step");
  check_error(get(s, "/v1/explain?text=a1&layer=7"), 400, "layer");
  check_error(get(s, "/v1/explain?text=a1&step=x"), 400, "step must be an integer");
  check_error(get(s, "/v1/explain?text=%C3%28"), 400, "not valid UTF-8");
  auto metrics = c.Get("/metrics");
  REQUIRE(metrics);
  CHECK_THAT(metrics->get_header_value("Content-Type"), Contains("text/plain; version=0.0.4"));
  CHECK_THAT(metrics->body, Contains("nmt_requests_total{route=\"/v1/translate\",status=\"200\"} 2"));
  CHECK_THAT(metrics->body, Contains("nmt_request_duration_seconds_count{route=\"/v1/translate\"} 2"));
  CHECK_THAT(metrics->body, Contains("nmt_sentences_total{model=\"e2e-copy\"} 2"));
  CHECK(s.terminate() == 0);
}

// Set NMT_SERVE_PAGE_MODEL (a model directory with languages) and NMT_SERVE_PAGE_TEXT to shoot
// another model; NMT_SERVE_SCREENSHOT=FILE keeps the screenshot (the README's comes from here).
TEST_CASE("serve: the web page in headless chromium translates typed text and draws n-best and attention",
          "[serve][e2e][chromium]") {
  if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
    WARN("chromium is not installed: skipping the browser test");
    return;
  }
  const char* env_model = std::getenv("NMT_SERVE_PAGE_MODEL");
  const char* env_text = std::getenv("NMT_SERVE_PAGE_TEXT");
  const fs::path model = env_model && *env_model ? fs::path(env_model) : nmt_test::trained_model();
  const std::string text = env_text && *env_text ? env_text : "a1 a2 a3 a4";
  const auto expected = cli_translate(model, {text});
  ServeProcess s("-m '" + model.string() + "' " + (env_model && *env_model ? "" : kLangs));
  REQUIRE(s.running());
  const json facts = get(s, "/v1/models").body["models"][0];
  const int64_t layers = facts["attention"]["layers"], heads = facts["attention"]["heads"];
  const int64_t beam = facts["decode"]["beam_size"];

  const fs::path dir = test_dir("chromium");
  Chromium browser(dir / "profile", dir / "chromium.log");
  std::string page;
  try {
    page = browser.open("http://127.0.0.1:" + std::to_string(s.port()) + "/");
  } catch (const std::exception& e) {
    FAIL(e.what() << "\n" << read_text(dir / "chromium.log"));
  }
  REQUIRE(browser.wait_until(page, "document.body?.dataset.state === 'ready'"));
  CHECK_THAT(browser.eval(page, "document.getElementById('facts').textContent").get<std::string>(),
             Contains(facts["arch"].get<std::string>()));

  // Type the sentence and click Translate, as a user would.
  browser.eval(page, "document.getElementById('src').focus()");
  browser.call("Input.insertText", {{"text", text}}, page);
  const json box = browser.eval(page, "(() => { const r = document.getElementById('go').getBoundingClientRect();"
                                      " return [r.x + r.width / 2, r.y + r.height / 2]; })()");
  for (const char* type : {"mousePressed", "mouseReleased"})
    browser.call("Input.dispatchMouseEvent",
                 {{"type", type}, {"x", box[0]}, {"y", box[1]}, {"button", "left"}, {"clickCount", 1}}, page);
  REQUIRE(browser.wait_until(page, "document.body?.dataset.state === 'done' || document.body?.dataset.state === 'error'"));
  INFO(browser.eval(page, "document.getElementById('status').textContent"));
  REQUIRE(browser.eval(page, "document.body.dataset.state") == "done");
  CHECK(browser.eval(page, "document.getElementById('out').textContent") == expected.at(0));
  const int64_t alternatives = browser.eval(page, "document.querySelectorAll('#alternatives li').length");
  CHECK(alternatives == std::min<int64_t>(5, beam));
  CHECK(browser.eval(page, "document.querySelector('#alternatives li .score') !== null") == true);

  // The heatmap: one cell per (target, source) token, shaded with the report's scale.
  const int64_t cells = browser.eval(page, "document.querySelectorAll('#heatmap rect.cell').length");
  const json shape = browser.eval(page, "(() => { const t = last.translations[0].attention;"
                                        " return [t.target_tokens.length, t.source_tokens.length]; })()");
  CHECK(cells == shape[0].get<int64_t>() * shape[1].get<int64_t>());
  CHECK(browser.eval(page, "document.getElementById('layer').options.length") == layers);
  CHECK(browser.eval(page, "document.getElementById('head').options.length") == heads + 1);  // + mean
  const std::string fills = "[...document.querySelectorAll('#heatmap rect.cell')].map(r => r.getAttribute('fill')).join()";
  const std::string mean = browser.eval(page, fills);
  browser.eval(page, "(() => { const h = document.getElementById('head'); h.value = '0';"
                     " h.dispatchEvent(new Event('change')); })()");
  CHECK(browser.eval(page, fills).get<std::string>() != mean);  // head 1 alone differs from the mean
  CHECK(browser.eval(page, "document.querySelector('#heatmap rect.cell').getAttribute('fill').startsWith('#')") == true);

  browser.eval(page, "(() => { const h = document.getElementById('head'); h.value = '-1';"
                     " h.dispatchEvent(new Event('change')); })()");
  CHECK(browser.eval(page, fills).get<std::string>() == mean);  // back to the mean of heads

  // Next to the translation, a link to nmt explain's page for the sentence; the page it opens.
  const std::string href = browser.eval(page, "document.querySelector('#translation-actions a').href");
  const std::string prefix = "http://127.0.0.1:" + std::to_string(s.port());
  REQUIRE(href.rfind(prefix + "/v1/explain?", 0) == 0);
  auto explained = s.client().Get(href.substr(prefix.size()).c_str());
  REQUIRE(explained);
  CHECK(explained->status == 200);
  CHECK_THAT(explained->get_header_value("Content-Type"), Contains("text/html"));
  CHECK_THAT(explained->body, Contains("<title>nmt explain: " + text + "</title>"));
  // The whole page, not only the window.
  const json size = browser.call("Page.getLayoutMetrics", {}, page)["cssContentSize"];
  const json clip{{"x", 0}, {"y", 0}, {"width", size["width"]}, {"height", size["height"]}, {"scale", 1}};
  const std::string png = base64_decode(browser.call(
      "Page.captureScreenshot", {{"format", "png"}, {"clip", clip}, {"captureBeyondViewport", true}}, page)["data"]);
  const std::string blank_session = browser.open("about:blank");
  const std::string blank = base64_decode(browser.call("Page.captureScreenshot", {{"format", "png"}}, blank_session)["data"]);
  REQUIRE(png.size() > 8);
  CHECK(png.substr(1, 3) == "PNG");
  INFO("page.png " << png.size() << " bytes, blank.png " << blank.size() << " bytes");
  CHECK(png.size() > 10'000);
  CHECK(png.size() > 5 * blank.size());
  std::ofstream(dir / "page.png", std::ios::binary) << png;
  if (const char* keep = std::getenv("NMT_SERVE_SCREENSHOT"); keep && *keep) std::ofstream(keep, std::ios::binary) << png;
  CHECK(s.terminate() == 0);
}
