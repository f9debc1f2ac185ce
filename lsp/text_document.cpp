#include "text_document.h"

#include <algorithm>

namespace agr::lsp {
namespace {

// The length in bytes of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
  if (lead >= 0xC2) return 2;
  return 1;
}

}  // namespace

uint32_t utf16_length(std::string_view utf8) {
  uint32_t units = 0;
  for (size_t i = 0; i < utf8.size();) {
    const size_t n = std::min(sequence_length(static_cast<unsigned char>(utf8[i])), utf8.size() - i);
    units += n == 4 ? 2 : 1;  // outside the Basic Multilingual Plane: a surrogate pair
    i += n;
  }
  return units;
}

void TextDocument::set_text(std::string text) {
  text_ = std::move(text);
  line_starts_.assign(1, 0);
  for (size_t i = text_.find('\n'); i != std::string::npos; i = text_.find('\n', i + 1)) line_starts_.push_back(i + 1);
}

size_t TextDocument::line_end(uint32_t line) const {
  if (line + 1 >= line_starts_.size()) return text_.size();      // the last line has no break
  size_t end = line_starts_[line + 1] - 1;                         // its '\n'
  if (end > line_starts_[line] && text_[end - 1] == '\r') --end;   // "\r\n"
  return end;
}

size_t TextDocument::offset_of(Position position) const {
  if (position.line >= line_starts_.size()) return text_.size();
  const size_t end = line_end(position.line);
  size_t offset = line_starts_[position.line];
  for (uint32_t units = 0; offset < end;) {
    const size_t n = std::min(sequence_length(static_cast<unsigned char>(text_[offset])), end - offset);
    const uint32_t width = n == 4 ? 2 : 1;
    if (units + width > position.character) break;
    units += width;
    offset += n;
  }
  return offset;
}

Position TextDocument::position_of(size_t offset) const {
  offset = std::min(offset, text_.size());
  const auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const uint32_t line = static_cast<uint32_t>(after - line_starts_.begin() - 1);
  const size_t start = line_starts_[line];
  return {line, utf16_length(std::string_view(text_).substr(start, std::min(offset, line_end(line)) - start))};
}

void TextDocument::replace(Range range, std::string_view text) {
  size_t begin = offset_of(range.start), end = offset_of(range.end);
  if (end < begin) std::swap(begin, end);
  std::string next = text_.substr(0, begin);
  next.append(text);
  next.append(text_, end, std::string::npos);
  set_text(std::move(next));
}

}  // namespace agr::lsp
