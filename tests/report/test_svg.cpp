#include <catch2/catch.hpp>

#include "nmt/report/svg.h"
#include "report_test_util.h"

using namespace nmt;

TEST_CASE("xml_escape escapes markup, quotes, control characters and bad UTF-8", "[report][svg]") {
  CHECK(xml_escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  CHECK(xml_escape("¿Qué? 中文") == "¿Qué? 中文");
  CHECK(xml_escape("tab\tnl\n") == "tab\tnl\n");
  CHECK(xml_escape(std::string("nul\0x", 5)) == "nul\xEF\xBF\xBDx");
  CHECK(xml_escape("bell\x07") == "bell\xEF\xBF\xBD");
  CHECK(xml_escape("bad\xff") == "bad\xEF\xBF\xBD");
  CHECK(xml_escape("\xEF\xBF\xBF") == "\xEF\xBF\xBD");  // U+FFFF is not an XML character
}

TEST_CASE("svg_num trims zeros and avoids -0 and non-finite values", "[report][svg]") {
  CHECK(svg_num(12.0) == "12");
  CHECK(svg_num(12.5) == "12.5");
  CHECK(svg_num(1.23456) == "1.23");
  CHECK(svg_num(1.23456, 4) == "1.2346");
  CHECK(svg_num(-0.001) == "0");
  CHECK(svg_num(NAN) == "0");
  CHECK(svg_num(1e9) == "1000000000");
}

TEST_CASE("the SVG writer nests groups and produces well-formed XML", "[report][svg]") {
  Svg svg(200, 100, "a <title> & \"more\"");
  svg.open("g", {{"font-size", "12"}, {"data-x", "<&>"}});
  svg.rect(1, 2, 3, 4, {{"fill", "#fff"}});
  svg.text(10, 20, "¿Qué & <b>");
  svg.open("g");
  svg.line(0, 0, 10, 10);
  svg.tooltip("tip 'quoted'");
  std::string doc = svg.str();  // closes the two open groups
  CHECK(report_test::xml_problem(doc).empty());
  CHECK(doc.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") == 0);
  CHECK(doc.find("sans-serif") != std::string::npos);
  CHECK(doc.find("¿Qué &amp; &lt;b&gt;") != std::string::npos);
  CHECK(doc.rfind("</svg>") != std::string::npos);
  svg.close();
  svg.close();
  CHECK_THROWS_AS(svg.close(), std::logic_error);
  CHECK(report_test::xml_problem(svg.str()).empty());

  report_test::TempDir dir("svg");
  auto file = dir.path / "writer.svg";
  report_test::write_text(file, doc);
  REQUIRE(report_test::have_program("xmllint"));
  CHECK(report_test::xmllint_ok(file));
}

TEST_CASE("the own well-formedness check catches broken documents", "[report][svg]") {
  CHECK_FALSE(report_test::xml_problem("<a><b></a></b>").empty());
  CHECK_FALSE(report_test::xml_problem("<a x=1/>").empty());
  CHECK_FALSE(report_test::xml_problem("<a>&nbsp;</a>").empty());
  CHECK_FALSE(report_test::xml_problem("<a>").empty());
  CHECK(report_test::xml_problem("<a x=\"1\"><b/>&amp;&#160;</a>").empty());
}

TEST_CASE("UTF-8 length, truncation and text width estimates", "[report][svg]") {
  CHECK(utf8_length("¿Qué") == 4);
  CHECK(utf8_truncate("¿Qué es", 10) == "¿Qué es");
  CHECK(utf8_truncate("¿Qué es", 4) == "¿Qu…");
  CHECK(utf8_truncate("abc", 0).empty());
  CHECK(text_width_px("WWW") > text_width_px("iii"));
  CHECK(text_width_px("中文") > text_width_px("ab"));
  CHECK(text_width_px("") == 0);
}
