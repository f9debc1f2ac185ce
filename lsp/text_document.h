// An open document as the editor sees it: its text (UTF-8) and the conversion between byte
// offsets, which the compiler's spans use, and LSP positions, which count UTF-16 code units
// within a line (an 'æ' is two bytes and one unit; an emoji four bytes and two units).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace agr::lsp {

struct Position {
  uint32_t line = 0;       // 0-based
  uint32_t character = 0;  // UTF-16 code units from the line's start
};

struct Range {
  Position start, end;
};

class TextDocument {
 public:
  TextDocument() = default;
  explicit TextDocument(std::string text) { set_text(std::move(text)); }

  const std::string& text() const { return text_; }
  void set_text(std::string text);

  // Lines end at "\n" or "\r\n". A position past its line's end means the line's end; a line
  // past the last means the end of the text; a position inside a surrogate pair means the
  // character it belongs to.
  size_t offset_of(Position position) const;
  Position position_of(size_t offset) const;
  Range range_of(size_t begin, size_t end) const { return {position_of(begin), position_of(end)}; }

  // An incremental change (textDocument/didChange with a range): replaces the range with `text`.
  void replace(Range range, std::string_view text);

 private:
  size_t line_end(uint32_t line) const;  // the offset of the line's break (or of the text's end)

  std::string text_;
  std::vector<size_t> line_starts_{0};
};

// The UTF-16 code units of a UTF-8 text (a byte that starts no valid sequence counts as one).
uint32_t utf16_length(std::string_view utf8);

}  // namespace agr::lsp
