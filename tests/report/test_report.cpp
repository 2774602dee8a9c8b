#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

#include "nmt/report/report.h"
#include "nmt/util/error.h"
#include "report_test_util.h"

using namespace nmt;
namespace fs = std::filesystem;
using report_test::read_file;

namespace {

const char* const kSections[] = {"Summary", "BLEU by source-length bucket", "Learning curves",
                                 "Attention heatmaps", "Example translations", "Reproduce"};

// Renders `html` headless with chromium into `png`; true when chromium exited cleanly.
bool render(const fs::path& html, const fs::path& png, const fs::path& profile) {
  std::string cmd = "timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
                    "--disable-background-networking --disable-component-update --disable-sync "
                    "--user-data-dir='" + profile.string() + "' --screenshot='" + png.string() +
                    "' --window-size=1200,2000 'file://" + html.string() + "' >'" + png.string() +
                    ".log' 2>&1";
  return std::system(cmd.c_str()) == 0 && fs::exists(png);
}

}  // namespace

TEST_CASE("report number formatting", "[report]") {
  CHECK(fmt_fixed(27.456, 2) == "27.46");
  CHECK(fmt_fixed(std::nullopt, 2) == "n/a");
  CHECK(fmt_fixed(NAN, 1) == "n/a");
  CHECK(fmt_fixed(-0.001, 2) == "0.00");
  CHECK(fmt_count(12'345'678) == "12.3M");
  CHECK(fmt_count(45'600) == "45.6k");
  CHECK(fmt_count(999) == "999");
  CHECK(fmt_count(123'456'789) == "123M");
  CHECK(fmt_count(2'500'000'000LL) == "2.5B");
  CHECK(fmt_count(std::nullopt) == "n/a");
  CHECK(fmt_minutes(4.25) == "4.2 min");
  CHECK(fmt_minutes(95.4) == "1h 35m");
  CHECK(fmt_minutes(std::nullopt) == "n/a");
}

TEST_CASE("write_report writes markdown, HTML and well-formed SVG charts", "[report]") {
  report_test::TempDir dir("full");
  const ReportData data = report_test::fake_report();
  write_report(data, (dir.path / "out").string());
  const fs::path out = dir.path / "out";

  REQUIRE(fs::exists(out / "report.md"));
  REQUIRE(fs::exists(out / "report.html"));
  REQUIRE(report_test::have_program("xmllint"));

  std::vector<fs::path> svgs;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().extension() == ".svg") svgs.push_back(e.path());
  CHECK(svgs.size() == 1 + 4 + 3);  // bars, four curves, three heatmaps
  for (const auto& f : svgs) {
    INFO(f.string());
    CHECK(report_test::xml_problem(read_file(f)) == "");
    CHECK(report_test::xmllint_ok(f));
  }
  CHECK(fs::exists(out / "bleu_by_length.svg"));
  CHECK(fs::exists(out / "curve_bleu_step.svg"));
  CHECK(fs::exists(out / "curve_loss_time.svg"));

  const std::string md = read_file(out / "report.md");
  for (const char* s : kSections) CHECK(md.find(std::string("## ") + s) != std::string::npos);
  CHECK(md.find("](bleu_by_length.svg)") != std::string::npos);
  for (const auto& f : svgs) CHECK(md.find("](" + f.filename().string() + ")") != std::string::npos);
  CHECK(md.find("| rnn | RNN (no attention) | 12.3M |") != std::string::npos);
  CHECK(md.find("**22.50**") != std::string::npos);          // best test BLEU in bold
  CHECK(md.find("rnn: n/a (this model has no attention") != std::string::npos);
  CHECK(md.find("\\<b\\>&amp;amp;\\</b\\>") != std::string::npos);  // escaped example text
  CHECK(md.find("````yaml") != std::string::npos);           // longer fence around ``` in a config
  CHECK(md.find(data.command_line) != std::string::npos);

  const std::string html = read_file(out / "report.html");
  CHECK(report_test::xml_problem(html) == "");
  CHECK(report_test::xmllint_ok(out / "report.html"));            // polyglot: parses as XML
  CHECK(report_test::xmllint_ok(out / "report.html", "--html"));  // and as HTML
  for (const char* s : kSections) CHECK(html.find(std::string(">") + s + "</h2>") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http://") == html.find("http://www.w3.org"));  // only namespace URIs
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("&lt;b&gt;&amp;amp;&lt;/b&gt;") != std::string::npos);
  CHECK(html.find("longest test sentence") != std::string::npos);
  CHECK(html.find("<strong>22.50</strong>") != std::string::npos);
  CHECK(html.find("27.2") != std::string::npos);
  CHECK(html.find("fall off on long sentences") != std::string::npos);
}

TEST_CASE("missing data renders as n/a without throwing", "[report]") {
  ReportData d = report_test::fake_report();
  d.models[0].curve.clear();
  d.models[0].parameters.reset();
  d.models[0].test_bleu.reset();
  d.models[1].bleu_by_bucket.resize(2);
  d.models[2].curve[3].dev_loss.reset();
  d.models[2].curve[4].wall_minutes.reset();
  d.examples[0].outputs.erase("bahdanau");
  d.attention.clear();
  d.configs.clear();
  d.command_line.clear();
  report_test::TempDir dir("sparse");
  REQUIRE_NOTHROW(write_report(d, dir.path.string()));
  const std::string md = read_file(dir.path / "report.md");
  const std::string html = read_file(dir.path / "report.html");
  CHECK(md.find("rnn: n/a (no dev curve recorded)") != std::string::npos);
  CHECK(md.find("| rnn | RNN (no attention) | n/a |") != std::string::npos);
  CHECK(md.find("| bahdanau | n/a |") != std::string::npos);
  CHECK(html.find("transformer: n/a (this model has no attention") != std::string::npos);
  CHECK(report_test::xml_problem(html) == "");
  for (const auto& e : fs::directory_iterator(dir.path))
    if (e.path().extension() == ".svg") CHECK(report_test::xmllint_ok(e.path()));

  ReportData empty;
  report_test::TempDir dir2("empty");
  REQUIRE_NOTHROW(write_report(empty, dir2.path.string()));
  const std::string html2 = read_file(dir2.path / "report.html");
  for (const char* s : kSections) CHECK(html2.find(std::string(">") + s + "</h2>") != std::string::npos);
  CHECK(report_test::xmllint_ok(dir2.path / "report.html"));
}

TEST_CASE("a heatmap title that already names its kind is not repeated", "[report]") {
  ReportData d = report_test::fake_report();
  d.attention[0].heatmap.title = "bahdanau: Bahdanau alignment";
  const ReportCharts charts = report_charts(d);
  REQUIRE(charts.attention.size() == 3);
  CHECK(charts.attention[0].svg.find("<title>bahdanau: Bahdanau alignment</title>") != std::string::npos);
  CHECK(charts.attention[1].svg.find("<title>transformer \xE2\x80\x94 Transformer cross-attention (mean of heads, "
                                     "last layer): ¿Qué es la verdad? &lt;&amp;&gt;</title>") != std::string::npos);
  CHECK(charts.attention[0].file == "attn_1_bahdanau.svg");
}

TEST_CASE("write_report throws IoError when the directory cannot be made", "[report]") {
  report_test::TempDir dir("io");
  report_test::write_text(dir.path / "file", "x");
  CHECK_THROWS_AS(write_report(report_test::fake_report(), (dir.path / "file" / "sub").string()), IoError);
}

TEST_CASE("report.html renders in headless chromium", "[report][chromium]") {
  if (!report_test::have_program("chromium")) {
    WARN("chromium is not installed: skipping the rendering check");
    return;
  }
  report_test::TempDir dir("render");
  write_report(report_test::fake_report(), (dir.path / "out").string());
  report_test::write_text(dir.path / "blank.html", "<!DOCTYPE html><html><head><title>x</title></head><body></body></html>");
  const fs::path png = dir.path / "report.png", blank = dir.path / "blank.png";
  REQUIRE(render(dir.path / "out" / "report.html", png, dir.path / "profile1"));
  REQUIRE(render(dir.path / "blank.html", blank, dir.path / "profile2"));
  const auto size = fs::file_size(png), blank_size = fs::file_size(blank);
  INFO("report.png " << size << " bytes, blank.png " << blank_size << " bytes, in " << dir.path);
  CHECK(size > 20'000);
  CHECK(size > 5 * blank_size);
  if (const char* keep = std::getenv("NMT_REPORT_KEEP"); keep && *keep)
    fs::copy_file(png, fs::path(keep) / "report.png", fs::copy_options::overwrite_existing);
}
