// What is wrong with a line that is not JSON, and where: simdjson's DOM parser reports only an
// error code, so on that (rare) path the line is scanned again to find the first offending byte.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace agr {

// "not valid JSON at column C: WHAT" (C counts bytes from 1), for a line simdjson refused with
// `code` while parsing with nesting limit `max_depth`. WHAT is simdjson's finding in plain words
// (invalid UTF-8, nesting over the limit, a number out of range, a byte-order mark, a truncated
// line, content after the value, ...), made precise by the scan.
std::string describe_json_error(std::string_view line, simdjson::error_code code, size_t max_depth);

}  // namespace agr
