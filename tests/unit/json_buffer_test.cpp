// The verdict writer's buffer: put_string escapes exactly what JSON requires, whether the byte
// falls in the eight-byte fast path or in the byte-by-byte rest.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "agr/agr.h"
#include "json_buffer.h"

namespace {

std::string escaped_reference(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) out += "\\u00" + std::string{"0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
    else out += ch;
  }
  return out + "\"";
}

}  // namespace

TEST_CASE("put_string escapes every byte value at every position of short and long strings", "[writer]") {
  agr::JsonBuffer buffer;
  for (size_t length : {1, 7, 8, 9, 15, 16, 17, 24}) {
    for (size_t at = 0; at < length; ++at) {
      for (int byte = 0; byte < 256; ++byte) {
        std::string text(length, 'x');
        text[at] = static_cast<char>(byte);
        buffer.clear();
        buffer.put_string(text);
        INFO("length " << length << ", byte " << byte << " at " << at);
        REQUIRE(std::string(buffer.view()) == escaped_reference(text));
      }
    }
  }
}

TEST_CASE("put_money writes what format_money does, quoted, at every digit count and both extremes", "[writer]") {
  std::vector<int64_t> values = {0, 1, 9, 10, 99, 100, 101, 999, 1000, 32712, -1, -99, -100, -32712,
                                 std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
  for (int64_t p = 1; p <= std::numeric_limits<int64_t>::max() / 10; p *= 10)  // each side of each new digit
    for (int64_t v : {p - 1, p, p + 1, 10 * p - 1}) values.insert(values.end(), {v, -v});
  for (const int64_t ore : values) {
    INFO(ore);
    agr::JsonBuffer out;
    out.put_money(ore);
    CHECK(std::string(out.view()) == "\"" + agr::format_money(ore) + "\"");
  }
}
