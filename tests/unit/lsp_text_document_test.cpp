// LSP positions (UTF-16 code units per line) against byte offsets, at the edges: Danish letters,
// a character outside the BMP, "\r\n", positions past a line's end or inside a surrogate pair.
#include <catch2/catch.hpp>

#include "symbols.h"
#include "text_document.h"

using agr::lsp::Position;
using agr::lsp::TextDocument;

TEST_CASE("positions count UTF-16 code units, offsets bytes", "[lsp]") {
  const TextDocument doc("æø x\n🙂y\r\nz");
  // "æø x": æ and ø are two bytes and one unit each.
  CHECK(doc.offset_of({0, 2}) == 4);
  CHECK(doc.offset_of({0, 3}) == 5);
  CHECK(doc.position_of(6).character == 4);
  // "🙂y": four bytes and two units; the middle of the pair is the emoji's start.
  CHECK(doc.offset_of({1, 2}) == 11);
  CHECK(doc.offset_of({1, 1}) == 7);
  CHECK(doc.position_of(11).character == 2);
  // "\r\n" ends the line: a position past it stays before the '\r'.
  CHECK(doc.offset_of({1, 99}) == 12);
  CHECK(doc.position_of(12).line == 1);
  CHECK(doc.offset_of({2, 0}) == 14);
  // Past the last line: the end of the text.
  CHECK(doc.offset_of({9, 0}) == doc.text().size());
  CHECK(doc.position_of(doc.text().size()).line == 2);
  CHECK(doc.position_of(doc.text().size()).character == 1);
}

TEST_CASE("an incremental change replaces a UTF-16 range", "[lsp]") {
  TextDocument doc("Træning 🙂 70.00\nnext");
  doc.replace({{0, 11}, {0, 16}}, "60.00");
  CHECK(doc.text() == "Træning 🙂 60.00\nnext");
  doc.replace({{0, 16}, {1, 0}}, " ");
  CHECK(doc.text() == "Træning 🙂 60.00 next");
  CHECK(agr::lsp::utf16_length("Åb🙂") == 4);
}

TEST_CASE("the word under the cursor, outside comments and texts", "[lsp]") {
  const std::string text = "rule LBP-6 for training # LBP-7\n  message \"for 0266\"\n";
  auto word = agr::lsp::word_at(text, 7);
  REQUIRE(word);
  CHECK(word->text == "LBP-6");
  CHECK(agr::lsp::word_at(text, 23)->text == "training");  // at the end of a word
  CHECK_FALSE(agr::lsp::word_at(text, 29));                // in the comment
  CHECK_FALSE(agr::lsp::word_at(text, 46));                // in the text
  CHECK(agr::lsp::word_before(text, 15) == "for");
  CHECK(agr::lsp::word_before(text, 17) == "for");  // typing "tr"
}
