// Diagnostics: positions are worked out from byte offsets only when a message is printed.
#include "diagnostics.h"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <utility>

#include "verdict_writer.h"  // append_json_string

namespace agr {

namespace {

bool is_continuation_byte(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// The byte offset where each line starts; built once per text (SourceFile::line_starts_cache).
std::shared_ptr<const SourceFile::LineStarts> line_starts(const SourceFile& file) {
  auto cached = file.line_starts_cache;
  if (cached && cached->data == file.text.data() && cached->size == file.text.size()) return cached;
  auto built = std::make_shared<SourceFile::LineStarts>();
  built->data = file.text.data();
  built->size = file.text.size();
  built->starts.push_back(0);
  for (size_t i = 0; i < file.text.size(); ++i) {
    if (file.text[i] == '\n') built->starts.push_back(static_cast<uint32_t>(i + 1));
  }
  file.line_starts_cache = built;
  return built;
}

class LineIndex {
 public:
  explicit LineIndex(const SourceFile& file)
      : text_(file.text), index_(line_starts(file)), starts_(index_->starts) {}

  uint32_t line_of(uint32_t offset) const {
    offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
    return static_cast<uint32_t>(std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin());
  }

  SourceFile::Position position_of(uint32_t offset) const {
    offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
    // The last line start at or before `offset`.
    const auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    const size_t line_index = static_cast<size_t>(it - starts_.begin()) - 1;
    uint32_t column = 1;
    for (uint32_t i = starts_[line_index]; i < offset; ++i) {
      if (!is_continuation_byte(static_cast<unsigned char>(text_[i]))) ++column;
    }
    return {static_cast<uint32_t>(line_index + 1), column};
  }

  // The line's start offset and its text without the line break ("\n" or "\r\n").
  std::pair<uint32_t, std::string_view> line(uint32_t line) const {
    if (line == 0 || line > starts_.size()) return {static_cast<uint32_t>(text_.size()), {}};
    const uint32_t begin = starts_[line - 1];
    uint32_t end = line < starts_.size() ? starts_[line] - 1 : static_cast<uint32_t>(text_.size());
    if (end > begin && text_[end - 1] == '\r') --end;
    return {begin, text_.substr(begin, end - begin)};
  }

 private:
  std::string_view text_;
  std::shared_ptr<const SourceFile::LineStarts> index_;
  const std::vector<uint32_t>& starts_;
};

const char* severity_word(Severity severity) {
  switch (severity) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

// Case-insensitive (ASCII) edit distance, giving up once every path exceeds `limit`. Swapping two
// neighbours counts as one edit (optimal string alignment): `vidoe` is one from `video`, and a code
// with two digits swapped (`0626`) one from the code meant (`0266`).
size_t edit_distance(std::string_view a, std::string_view b, size_t limit) {
  auto lower = [](char ch) { return static_cast<char>(std::tolower(static_cast<unsigned char>(ch))); };
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  std::iota(previous.begin(), previous.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    size_t row_min = current[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = previous[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        current[j] = std::min(current[j], before[j - 2] + 1);
      row_min = std::min(row_min, current[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

SourceFile::Position SourceFile::position_of(uint32_t offset) const {
  return LineIndex(*this).position_of(offset);
}

uint32_t SourceFile::line_of(uint32_t offset) const { return LineIndex(*this).line_of(offset); }

std::string_view SourceFile::line_text(uint32_t line) const {
  return LineIndex(*this).line(line).second;
}

void Diagnostics::error(Span span, std::string message, std::string hint) {
  if (error_count_ > kMaxErrors) return;  // already stopped
  if (error_count_ == kMaxErrors) {
    list_.push_back({Severity::Error, span, "too many errors; stopping", {}});
    ++error_count_;
    return;
  }
  list_.push_back({Severity::Error, span, std::move(message), std::move(hint)});
  ++error_count_;
}

void Diagnostics::warning(Span span, std::string message, std::string hint) {
  list_.push_back({Severity::Warning, span, std::move(message), std::move(hint)});
}

size_t Diagnostics::warning_count() const {
  return static_cast<size_t>(
      std::count_if(list_.begin(), list_.end(), [](const Diagnostic& d) { return d.severity == Severity::Warning; }));
}

namespace {

std::vector<const Diagnostic*> in_source_order(const std::vector<Diagnostic>& list) {
  std::vector<const Diagnostic*> sorted;
  sorted.reserve(list.size());
  for (const Diagnostic& d : list) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* x, const Diagnostic* y) {
    return x->span.begin < y->span.begin;
  });
  return sorted;
}

}  // namespace

std::string Diagnostics::render_json(const SourceFile& file) const {
  const LineIndex index(file);
  const uint32_t size = static_cast<uint32_t>(file.text.size());
  std::string out = "{\"file\":";
  append_json_string(&out, file.path);
  out += ",\"errors\":" + std::to_string(error_count_) + ",\"warnings\":" + std::to_string(warning_count()) +
         ",\"diagnostics\":[";
  bool first = true;
  for (const Diagnostic* d : in_source_order(list_)) {
    const uint32_t begin = std::min(d->span.begin, size), end = std::min(std::max(d->span.end, begin), size);
    const SourceFile::Position from = index.position_of(begin), to = index.position_of(end);
    out += first ? "{" : ",{";
    first = false;
    out += "\"severity\":\"" + std::string(severity_word(d->severity)) + "\"";
    out += ",\"line\":" + std::to_string(from.line) + ",\"column\":" + std::to_string(from.column);
    out += ",\"end_line\":" + std::to_string(to.line) + ",\"end_column\":" + std::to_string(to.column);
    out += ",\"offset\":" + std::to_string(begin) + ",\"length\":" + std::to_string(end - begin);
    out += ",\"message\":";
    append_json_string(&out, d->message);
    if (!d->hint.empty()) {
      out += ",\"hint\":";
      append_json_string(&out, d->hint);
    }
    out += "}";
  }
  out += "]}";
  return out;
}

std::string Diagnostics::render(const SourceFile& file, bool colour) const {
  const std::vector<const Diagnostic*> sorted = in_source_order(list_);

  // A long line (a whole file on one line) is shown as a window around the caret, and a long
  // message is cut: 50 errors each quoting a 4 MB line made 200 MB of output.
  constexpr uint32_t kShownBytes = 240, kBeforeCaret = 80;
  constexpr size_t kMessageBytes = 1000;
  auto cut = [](std::string_view text, size_t limit) {
    if (text.size() <= limit) return printable(text);
    while (limit > 0 && is_continuation_byte(static_cast<unsigned char>(text[limit]))) --limit;
    return printable(text.substr(0, limit)) + "...";
  };
  auto paint = [colour](const char* ansi, const std::string& text) {
    return colour ? std::string(ansi) + text + "\x1b[0m" : text;
  };
  constexpr const char* kBold = "\x1b[1m";
  auto severity_colour = [](Severity severity) {
    switch (severity) {
      case Severity::Error: return "\x1b[1;31m";
      case Severity::Warning: return "\x1b[1;33m";
      case Severity::Note: return "\x1b[1;36m";
    }
    return "\x1b[1m";
  };

  const LineIndex index(file);
  std::string out;
  for (const Diagnostic* d : sorted) {
    const SourceFile::Position pos = index.position_of(d->span.begin);
    out += paint(kBold, printable(file.path) + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ":") +
           " " + paint(severity_colour(d->severity), std::string(severity_word(d->severity)) + ":") + " " +
           paint(kBold, cut(d->message, kMessageBytes)) + "\n";

    const auto [line_begin, line] = index.line(pos.line);
    const uint32_t begin = std::min<uint32_t>(d->span.begin, static_cast<uint32_t>(file.text.size()));
    uint32_t line_end = line_begin + static_cast<uint32_t>(line.size());
    uint32_t from = line_begin;
    auto shown = [&](uint32_t a, uint32_t b) {  // the source text in [a, b) as printed
      return a < b ? printable(std::string_view(file.text).substr(a, b - a), /*keep_tabs=*/true) : std::string();
    };
    if (line.size() > kShownBytes) {
      from = std::max(line_begin, std::min(begin, line_end) - std::min(std::min(begin, line_end), kBeforeCaret));
      while (from > line_begin && is_continuation_byte(static_cast<unsigned char>(file.text[from]))) --from;
      uint32_t to = std::min(line_end, from + kShownBytes);
      while (to < line_end && is_continuation_byte(static_cast<unsigned char>(file.text[to]))) ++to;
      out += from > line_begin ? "..." : "";
      out += shown(from, to);
      out += to < line_end ? "...\n" : "\n";
      line_end = to;
    } else {
      out += shown(line_begin, line_end);
      out += '\n';
    }

    // Padding keeps the line's tabs so the caret lands under the right character; a character
    // shown as an escape is as wide as its escape.
    std::string caret(from > line_begin ? 3 : 0, ' ');
    for (const char ch : shown(from, std::min(begin, line_end))) {
      if (is_continuation_byte(static_cast<unsigned char>(ch))) continue;
      caret += ch == '\t' ? '\t' : ' ';
    }
    std::string marker = "^";  // under the first character, then a tilde under each other one
    bool first = true;
    for (const char ch : shown(begin, std::min(d->span.end, line_end))) {
      if (is_continuation_byte(static_cast<unsigned char>(ch))) continue;
      if (!first) marker += '~';
      first = false;
    }
    out += caret + paint("\x1b[1;32m", marker) + "\n";
    if (!d->hint.empty()) out += "  " + paint(kBold, "hint:") + " " + cut(d->hint, kMessageBytes) + "\n";
  }
  return out;
}

std::string printable(std::string_view text, bool keep_tabs) {
  auto plain = [keep_tabs](unsigned char ch) {
    return (ch >= 0x20 && ch < 0x7F) || (ch == '\t' && keep_tabs);
  };
  if (std::all_of(text.begin(), text.end(), [&](char ch) { return plain(static_cast<unsigned char>(ch)); }))
    return std::string(text);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 16);
  auto escape_byte = [&](unsigned char ch) {
    out += "\\x";
    out += kHex[ch >> 4];
    out += kHex[ch & 15];
  };
  for (size_t i = 0; i < text.size();) {
    const unsigned char ch = static_cast<unsigned char>(text[i]);
    if (ch < 0x80) {
      if (plain(ch)) out += static_cast<char>(ch);
      else if (ch == '\n') out += "\\n";
      else if (ch == '\t') out += "\\t";
      else if (ch == '\r') out += "\\r";
      else escape_byte(ch);
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, then each continuation byte, the shortest
    // form, and no surrogate or value past U+10FFFF; anything else is escaped byte by byte.
    const size_t length = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 0;
    uint32_t cp = length == 4 ? ch & 0x07 : length == 3 ? ch & 0x0F : ch & 0x1F;
    bool valid = length != 0 && ch <= 0xF4 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      valid = is_continuation_byte(next);
      cp = (cp << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && cp >= kSmallest[length] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (!valid) {
      escape_byte(ch);
      ++i;
      continue;
    }
    const bool hidden = (cp >= 0x80 && cp <= 0x9F)                    // C1 controls (0x9B is CSI)
                        || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)  // bidi
                        || cp == 0x200E || cp == 0x200F || cp == 0x061C;
    if (hidden) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 15];
    } else {
      out.append(text, i, length);
    }
    i += length;
  }
  return out;
}

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(1, name.size() / 3);
  const std::string* best = nullptr;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const size_t length_gap =
        candidate.size() > name.size() ? candidate.size() - name.size() : name.size() - candidate.size();
    if (length_gap > limit) continue;
    const size_t distance = edit_distance(name, candidate, limit);
    if (distance < best_distance) {
      best_distance = distance;
      best = &candidate;
    }
  }
  return best ? *best : std::string();
}

}  // namespace agr
