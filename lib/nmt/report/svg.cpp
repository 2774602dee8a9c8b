#include "nmt/report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "nmt/util/utf8.h"

namespace nmt {
namespace {

const char* const kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// One code point at s[i] and its byte length; an invalid byte reads as U+FFFD, length 1.
size_t decode(std::string_view s, size_t i, char32_t* cp) {
  const size_t n = utf8_decode(s, i, cp);
  if (n > 0) return n;
  *cp = 0xFFFD;
  return 1;
}

bool is_wide(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

std::string xml_escape(std::string_view raw) {
  const std::string s = sanitize_utf8(raw);
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    size_t n = decode(s, i, &cp);
    if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') {
      out += kReplacement;  // not allowed in XML 1.0, even as a character reference
    } else if (cp == 0xFFFE || cp == 0xFFFF) {
      out += kReplacement;
    } else if (cp == '&') {
      out += "&amp;";
    } else if (cp == '<') {
      out += "&lt;";
    } else if (cp == '>') {
      out += "&gt;";
    } else if (cp == '"') {
      out += "&quot;";
    } else if (cp == '\'') {
      out += "&#39;";
    } else {
      out.append(s, i, n);
    }
    i += n;
  }
  return out;
}

std::string svg_num(double v, int decimals) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals < 0 ? 0 : decimals, v);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

Svg::Svg(double width, double height, std::string_view title) : width_(width), height_(height) {
  body_ = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + svg_num(width) + "\" height=\"" +
          svg_num(height) + "\" viewBox=\"0 0 " + svg_num(width) + " " + svg_num(height) +
          "\" font-family=\"Helvetica, Arial, 'DejaVu Sans', sans-serif\" font-size=\"12\"" +
          " role=\"img\">\n";
  if (!title.empty()) body_ += "<title>" + xml_escape(title) + "</title>\n";
  rect(0, 0, width, height, {{"fill", "#ffffff"}});
}

void Svg::write_attrs(const SvgAttrs& attrs) {
  for (const auto& [k, v] : attrs) {
    body_ += ' ';
    body_ += k;
    body_ += "=\"";
    body_ += xml_escape(v);
    body_ += '"';
  }
}

void Svg::open(std::string_view tag, const SvgAttrs& attrs) {
  body_ += '<';
  body_ += tag;
  write_attrs(attrs);
  body_ += ">\n";
  open_.emplace_back(tag);
}

void Svg::close() {
  if (open_.empty()) throw std::logic_error("Svg::close() without a matching open()");
  body_ += "</" + open_.back() + ">\n";
  open_.pop_back();
}

void Svg::element(std::string_view tag, const SvgAttrs& attrs, std::string_view text) {
  body_ += '<';
  body_ += tag;
  write_attrs(attrs);
  if (text.empty()) {
    body_ += "/>\n";
  } else {
    body_ += '>';
    body_ += xml_escape(text);
    body_ += "</";
    body_ += tag;
    body_ += ">\n";
  }
}

void Svg::rect(double x, double y, double w, double h, const SvgAttrs& extra) {
  SvgAttrs a{{"x", svg_num(x)}, {"y", svg_num(y)}, {"width", svg_num(std::max(0.0, w))},
             {"height", svg_num(std::max(0.0, h))}};
  a.insert(a.end(), extra.begin(), extra.end());
  element("rect", a);
}

void Svg::line(double x1, double y1, double x2, double y2, const SvgAttrs& extra) {
  SvgAttrs a{{"x1", svg_num(x1)}, {"y1", svg_num(y1)}, {"x2", svg_num(x2)}, {"y2", svg_num(y2)}};
  a.insert(a.end(), extra.begin(), extra.end());
  element("line", a);
}

void Svg::text(double x, double y, std::string_view content, const SvgAttrs& extra) {
  SvgAttrs a{{"x", svg_num(x)}, {"y", svg_num(y)}};
  a.insert(a.end(), extra.begin(), extra.end());
  // Keep spaces (SentencePiece pieces, aligned labels) instead of collapsing them.
  a.emplace_back("xml:space", "preserve");
  body_ += "<text";
  write_attrs(a);
  body_ += '>';
  body_ += xml_escape(content);
  body_ += "</text>\n";
}

void Svg::tooltip(std::string_view content) { element("title", {}, content); }

std::string Svg::str() const {
  std::string s = body_;
  for (auto it = open_.rbegin(); it != open_.rend(); ++it) s += "</" + *it + ">\n";
  s += "</svg>\n";
  return s;
}

double text_width_px(std::string_view s, double font_px) {
  double em = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    i += decode(s, i, &cp);
    if (is_wide(cp)) {
      em += 1.0;
    } else if (cp == 'i' || cp == 'l' || cp == 'j' || cp == '.' || cp == ',' || cp == '\'' ||
               cp == '|' || cp == ' ' || cp == '!' || cp == ':' || cp == ';') {
      em += 0.3;
    } else if (cp == 'm' || cp == 'w' || cp == 'M' || cp == 'W') {
      em += 0.85;
    } else if (cp >= 'A' && cp <= 'Z') {
      em += 0.68;
    } else {
      em += 0.56;
    }
  }
  return em * font_px;
}

}  // namespace nmt
