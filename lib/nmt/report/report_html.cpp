// report.html: one self-contained page (inline CSS and SVG, no scripts, no network). It is
// written as polyglot XHTML, so it parses both as HTML5 and as well-formed XML.
#include <string>

#include "nmt/report/report.h"
#include "nmt/report/report_detail.h"
#include "nmt/report/svg.h"

namespace nmt {
namespace rd = report_detail;
namespace {

const char* const kCss = R"css(
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, "DejaVu Sans", sans-serif;
       font-size: 15px; line-height: 1.45; color: #1f2328; background: #fff;
       max-width: 1120px; margin: 24px auto; padding: 0 20px; }
h1 { font-size: 28px; margin: 0 0 8px; }
h2 { font-size: 21px; margin: 36px 0 6px; padding-bottom: 4px; border-bottom: 1px solid #d8dee4; }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.blurb { color: #444; margin: 4px 0 12px; }
nav { font-size: 14px; margin: 8px 0 4px; }
nav a { margin-right: 14px; color: #0969da; text-decoration: none; }
div.table { overflow-x: auto; margin: 8px 0 14px; }
table { border-collapse: collapse; font-size: 13.5px; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; }
th { background: #f3f5f7; text-align: left; vertical-align: bottom; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.label { font-weight: 600; white-space: nowrap; color: #333; }
tr.ref td { background: #f6f8fa; }
figure { margin: 10px 0 22px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: #555; margin-top: 4px; }
pre { background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 6px; padding: 10px 12px;
      font-size: 13px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
.na { color: #777; }
.tag { display: inline-block; font-size: 12px; background: #fff1cc; border: 1px solid #e3c26b;
       border-radius: 10px; padding: 0 8px; margin-left: 8px; font-weight: normal; }
)css";

std::string esc(const std::string& s) { return xml_escape(s); }

// The chart inline (the same document as its .svg file), with a caption.
std::string figure(const ReportChart& c) {
  return "<figure>\n" + c.svg + "<figcaption>" + esc(c.caption) + " (also saved as " + esc(c.file) +
         ")</figcaption>\n</figure>\n";
}

std::string html_table(const rd::Table& t) {
  std::string out = "<div class=\"table\"><table>\n<thead><tr>";
  for (size_t c = 0; c < t.header.size(); ++c) {
    bool num = c < t.numeric.size() && t.numeric[c];
    out += std::string(num ? "<th class=\"num\">" : "<th>") + esc(t.header[c]) + "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (const auto& cell : row) {
      std::string text = esc(cell.text);
      if (cell.text == "n/a") text = "<span class=\"na\">n/a</span>";
      if (cell.bold) text = "<strong>" + text + "</strong>";
      out += std::string(cell.numeric ? "<td class=\"num\">" : "<td>") + text + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table></div>\n";
}

std::string heading(const rd::Section& s) {
  return "<section id=\"" + std::string(s.id) + "\">\n<h2>" + esc(s.title) + "</h2>\n<p class=\"blurb\">" +
         esc(s.blurb) + "</p>\n";
}

std::string na(const std::string& text) { return "<p class=\"na\">" + esc(text) + "</p>\n"; }

}  // namespace

std::string report_html(const ReportData& d, const ReportCharts& charts) {
  const std::string title = d.title.empty() ? "NMT model comparison" : d.title;
  std::string h = "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
                  "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                  "<title>" + esc(title) + "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n";
  h += "<h1>" + esc(title) + "</h1>\n";
  if (!d.description.empty()) h += "<p>" + esc(d.description) + "</p>\n";
  h += "<nav>";
  for (const rd::Section* s : {&rd::kSummary, &rd::kBuckets, &rd::kCurves, &rd::kAttention, &rd::kExamples,
                               &rd::kReproduce})
    h += "<a href=\"#" + std::string(s->id) + "\">" + esc(s->title) + "</a>";
  h += "</nav>\n";

  h += heading(rd::kSummary);
  h += d.models.empty() ? na("n/a: no models.") : html_table(rd::summary_table(d));
  h += "</section>\n";

  h += heading(rd::kBuckets);
  if (d.buckets.empty() || d.models.empty()) {
    h += na("n/a: no per-length scores were computed.");
  } else {
    h += html_table(rd::bucket_table(d));
    if (charts.bleu_by_length) h += figure(*charts.bleu_by_length);
  }
  h += "</section>\n";

  h += heading(rd::kCurves);
  if (charts.curves.empty()) h += na("n/a: no model recorded dev evaluations.");
  for (const auto& c : charts.curves) h += figure(c);
  for (const auto& m : d.models)
    if (m.curve.empty()) h += na(m.name + ": n/a (no dev curve recorded)");
  h += "</section>\n";

  h += heading(rd::kAttention);
  for (size_t k = 0; k < charts.attention.size(); ++k) {
    h += "<h3>" + esc(charts.attention[k].caption) + "</h3>\n";
    h += figure(charts.attention[k]);
  }
  for (const auto& name : rd::models_without_attention(d))
    h += na(name + ": n/a (this model has no attention over the source)");
  if (charts.attention.empty() && d.models.empty()) h += na("n/a");
  h += "</section>\n";

  h += heading(rd::kExamples);
  if (d.examples.empty()) h += na("n/a: no examples.");
  for (size_t k = 0; k < d.examples.size(); ++k) {
    const Example& ex = d.examples[k];
    h += "<h3>Example " + std::to_string(k + 1) +
         (ex.longest ? "<span class=\"tag\">longest test sentence</span>" : "") + "</h3>\n<table>\n<tbody>\n";
    h += "<tr><td class=\"label\">Source</td><td>" + esc(ex.source) + "</td></tr>\n";
    h += "<tr class=\"ref\"><td class=\"label\">Reference</td><td>" + esc(ex.reference) + "</td></tr>\n";
    for (const auto& name : rd::example_models(d, ex)) {
      std::string out = rd::example_output(ex, name);
      auto it = ex.outputs.find(name);
      h += "<tr><td class=\"label\">" + esc(name) + "</td><td>" +
           (it == ex.outputs.end() ? "<span class=\"na\">n/a</span>" : esc(out)) + "</td></tr>\n";
    }
    h += "</tbody>\n</table>\n";
  }
  h += "</section>\n";

  h += heading(rd::kReproduce);
  h += "<h3>Command</h3>\n<pre>" + esc(d.command_line.empty() ? "n/a" : d.command_line) + "</pre>\n";
  if (d.configs.empty()) h += na("Configs: n/a");
  for (const auto& [name, yaml] : d.configs) h += "<h3>Config: " + esc(name) + "</h3>\n<pre>" + esc(yaml) + "</pre>\n";
  h += "</section>\n</body>\n</html>\n";
  return h;
}

}  // namespace nmt
