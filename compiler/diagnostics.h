// Diagnostics: every message points at a byte range of a source file; line and column are worked
// out only when printing (`file:line:col: error: message`, the source line and a caret).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace agr {

struct Span {
  uint32_t begin = 0;  // byte offset of the first character
  uint32_t end = 0;    // one past the last character
};

struct SourceFile {
  std::string path;
  std::string text;

  struct Position {
    uint32_t line;    // 1-based
    uint32_t column;  // 1-based, in characters (UTF-8 aware)
  };
  Position position_of(uint32_t offset) const;
  // The 1-based line of a byte offset: position_of without the column (no scan of the line).
  uint32_t line_of(uint32_t offset) const;
  std::string_view line_text(uint32_t line) const;

  // Where each line starts, built on first use and again when `text` has moved or changed size.
  // The passes ask for a line per rule and clause; rescanning the whole text each time made a
  // large file quadratic.
  struct LineStarts {
    const char* data = nullptr;
    size_t size = 0;
    std::vector<uint32_t> starts;
  };
  mutable std::shared_ptr<const LineStarts> line_starts_cache{};
};

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  Span span;
  std::string message;
  std::string hint;  // "did you mean ...?" and the like; may be empty
};

class Diagnostics {
 public:
  // The compiler stops collecting after this many errors (it still reports that it stopped).
  static constexpr size_t kMaxErrors = 50;

  void error(Span span, std::string message, std::string hint = {});
  void warning(Span span, std::string message, std::string hint = {});

  bool has_errors() const { return error_count_ > 0; }
  size_t error_count() const { return error_count_; }
  size_t warning_count() const;
  const std::vector<Diagnostic>& all() const { return list_; }

  // Prints every diagnostic as `file:line:col: error: message`, the line, and a caret under the
  // span, in source order. With `colour`, ANSI colours mark the severity (error red, warning
  // yellow) and the caret (the caller decides: only on a terminal, never under NO_COLOR).
  std::string render(const SourceFile& file, bool colour = false) const;

  // The same diagnostics as one JSON object, for editors, CI and the server (`agr check --format
  // json`, `agr lsp`, `POST /v1/check`), in source order:
  //   {"file": PATH, "errors": N, "warnings": M, "diagnostics": [{"severity": "error",
  //    "line": L, "column": C, "end_line": L2, "end_column": C2, "offset": BYTE, "length": BYTES,
  //    "message": "...", "hint": "..."}]}
  // Lines and columns are 1-based, columns in characters (as `render` prints them), the end one
  // past the span's last character; `hint` is present only when there is one.
  std::string render_json(const SourceFile& file) const;

 private:
  std::vector<Diagnostic> list_;
  size_t error_count_ = 0;
};

// Text from a file made safe to show to people on a terminal: control characters (C0, DEL, C1),
// bytes that are not UTF-8 and the bidirectional overrides come out as visible escapes (`\x1b`,
// `\u009b`, `\u202e`), so nothing read from a file reaches the terminal as a command or hides
// what follows it. Tabs are kept with `keep_tabs` (a source line under which a caret is aligned).
std::string printable(std::string_view text, bool keep_tabs = false);

// The closest candidate to `name` by edit distance, or "" when none is close enough to suggest.
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace agr
