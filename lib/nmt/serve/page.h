// The web page nmt serve answers at `/`: one self-contained HTML document (inline CSS and
// JavaScript, no external requests) that talks to /v1/models and /v1/translate.
#pragma once
#include <string>

namespace nmt::serve {

// lib/nmt/serve/page.html as compiled in, with the report's heatmap colour scale filled in.
std::string web_page();

}  // namespace nmt::serve
