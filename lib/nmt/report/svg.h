// A tiny SVG writer: escaped text and attributes, nested groups, self-contained output.
// No torch dependency. Everything it writes is well-formed XML (checked by xmllint in tests).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nmt/util/utf8.h"  // utf8_length, utf8_truncate for labels

namespace nmt {

// `s` made safe for XML character data and attribute values: invalid UTF-8 becomes U+FFFD,
// control characters other than tab/newline/CR become U+FFFD, and & < > " ' are escaped.
std::string xml_escape(std::string_view s);

// A number for an SVG coordinate or attribute: at most `decimals` decimals, trailing zeros
// trimmed, "-0" avoided, non-finite values written as 0.
std::string svg_num(double v, int decimals = 2);

// Attribute list, in order of appearance: {{"x", "10"}, {"fill", "#fff"}}. Values are escaped.
using SvgAttrs = std::vector<std::pair<std::string, std::string>>;

class Svg {
 public:
  // Starts an <svg> of the given pixel size with a white background and the default font
  // (sans-serif, 12px). `title` (optional) becomes the <title> element for accessibility.
  Svg(double width, double height, std::string_view title = {});

  // <tag attrs>…</tag> with children written until the matching close().
  void open(std::string_view tag, const SvgAttrs& attrs = {});
  void close();
  // <tag attrs/>, or <tag attrs>escaped text</tag> when `text` is non-empty.
  void element(std::string_view tag, const SvgAttrs& attrs, std::string_view text = {});

  // Shorthands for the common shapes.
  void rect(double x, double y, double w, double h, const SvgAttrs& extra = {});
  void line(double x1, double y1, double x2, double y2, const SvgAttrs& extra = {});
  void text(double x, double y, std::string_view content, const SvgAttrs& extra = {});
  // A <title> child: shown as a tooltip by browsers when hovering the enclosing element.
  void tooltip(std::string_view content);

  // The finished document; closes every group still open. The writer stays usable.
  std::string str() const;
  double width() const { return width_; }
  double height() const { return height_; }

 private:
  void write_attrs(const SvgAttrs& attrs);
  std::string body_;
  std::vector<std::string> open_;
  double width_;
  double height_;
};

// Approximate rendered width in pixels of `s` in a sans-serif font of `font_px` pixels,
// counting code points (wide CJK characters count double). Used for layout decisions.
double text_width_px(std::string_view s, double font_px = 12.0);

}  // namespace nmt
