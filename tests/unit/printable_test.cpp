// agr::printable (compiler/diagnostics.h): text from a file shown to people never carries a
// terminal command, and ordinary text (Danish letters included) is shown as it is.
#include <catch2/catch.hpp>

#include <string>

#include "diagnostics.h"

TEST_CASE("printable escapes what a terminal would obey and keeps the rest", "[diagnostics]") {
  struct Row {
    std::string in, out;
  };
  const Row rows[] = {
      {"c-17", "c-17"},
      {"Opfølgningskonsultation æøå ÆØÅ", "Opfølgningskonsultation æøå ÆØÅ"},
      {"a\x1b[2Jb", "a\\x1b[2Jb"},              // ESC: a clear screen
      {"t\x1b]0;title\x07", "t\\x1b]0;title\\x07"},  // OSC and BEL: a window title
      {"x\ny\tz\r", "x\\ny\\tz\\r"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"del\x7f", "del\\x7f"},
      {"c1\xc2\x9b" "2J", "c1\\u009b2J"},       // U+009B, the 8-bit CSI
      {"rtl\xe2\x80\xae" "txt", "rtl\\u202etxt"},  // a right-to-left override
      {"bad\xff\xfe", "bad\\xff\\xfe"},         // not UTF-8
      {"over\xc0\xaf", "over\\xc0\\xaf"},        // an overlong '/'
      {"surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80"},
      {"cut\xe2\x82", "cut\\xe2\\x82"},          // a sequence cut short
      {"emoji \xf0\x9f\x98\x80", "emoji \xf0\x9f\x98\x80"},
  };
  for (const Row& row : rows) {
    INFO(row.in);
    CHECK(agr::printable(row.in) == row.out);
  }
  CHECK(agr::printable("a\tb", /*keep_tabs=*/true) == "a\tb");
}

TEST_CASE("a diagnostic on a line with control characters shows them escaped, the caret aligned", "[diagnostics]") {
  agr::SourceFile file{"x.agr", "service 0301 \"A\x1b[31m\" oops\n"};
  agr::Diagnostics diags;
  const uint32_t at = static_cast<uint32_t>(file.text.find("oops"));
  diags.error({at, at + 4}, "unexpected 'oops'");
  CHECK(diags.render(file) ==
        "x.agr:1:23: error: unexpected 'oops'\n"
        "service 0301 \"A\\x1b[31m\" oops\n"
        "                         ^~~~\n");
  CHECK(diags.render(file, /*colour=*/true) ==
        "\x1b[1mx.agr:1:23:\x1b[0m \x1b[1;31merror:\x1b[0m \x1b[1munexpected 'oops'\x1b[0m\n"
        "service 0301 \"A\\x1b[31m\" oops\n"
        "                         \x1b[1;32m^~~~\x1b[0m\n");
}
