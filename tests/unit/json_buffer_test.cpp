// The verdict writer's buffer: put_string escapes exactly what JSON requires, whether the byte
// falls in the eight-byte fast path or in the byte-by-byte rest.
#include <catch2/catch.hpp>

#include <string>

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
