// The page's files (web/) and the bundled example histories (examples/histories/), embedded in
// the binary at build time (embed_web.cmake), so that `agr serve` needs nothing installed beside
// it.
#pragma once

#include <string_view>

namespace agr::server {

struct WebAsset {
  std::string_view path;          // "/index.html", "/examples/histories/lbp.jsonl"
  std::string_view content_type;
  std::string_view bytes;
};

// The asset served at `path` ("/" is "/index.html"), or null.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace agr::server
