// An agreement described as JSON, for `GET /v1/agreements` and `POST /v1/check`: what an author
// or an integrator needs to know about it without reading the source (docs/server.md).
#pragma once

#include <string>

#include "program.h"

namespace agr::server {

// {"name", "title", "sources", "price_level"?, "referral_required", "flags", "services": [{"code",
//  "title", "supplement", "fees": [{"total", "subsidy", "patient"}]}], "course"?: {"starts_with",
//  "ends_with"}, "rules": [{"id", "kind", "for", "message", "source", "line"}], "due": [{"id",
//  "code", "message", "source", "line"}], "facts": []}
std::string describe_agreement(const Program& program);

}  // namespace agr::server
