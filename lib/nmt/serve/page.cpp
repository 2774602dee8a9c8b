// The compiled-in page, with the heatmap colours of the comparison report.
#include "nmt/serve/page.h"

#include "nmt/report/charts.h"
#include "nmt/serve/page_html.h"  // generated from page.html (cmake/embed_text.cmake)
#include "nmt/util/error.h"
#include "nmt/util/json.h"

namespace nmt::serve {

std::string web_page() {
  std::string page(kPageHtml);
  // The page ships a copy of the scale so it also works from disk; the server puts in the
  // report's own stops, so the two can never drift apart.
  const std::string marker = "/*@HEATMAP_STOPS@*/";
  const size_t at = page.find(marker);
  const size_t end = at == std::string::npos ? at : page.find(';', at);
  if (end == std::string::npos) throw Error("page.html lost its /*@HEATMAP_STOPS@*/ marker");
  page.replace(at, end - at, Json(heatmap_color_stops()).dump());
  return page;
}

}  // namespace nmt::serve
